"""The Kafka broker's jars, fetched from Maven Central with the machine's Maven.

:class:`KafkaJars` resolves the ``kafka_2.13`` artifact, its runtime dependencies and a log4j2
binding into a cache outside the repository, once (under a file lock, so parallel test sessions
fetch once); :func:`find_java` finds the JDK that runs them.
"""

from __future__ import annotations

import contextlib
import fcntl
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from topics.errors import BrokerUnavailable

__all__ = ["KAFKA_VERSION", "KafkaJars", "find_java"]

KAFKA_VERSION = "4.1.1"
LOG4J_VERSION = "2.24.3"

_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>io.guardstream</groupId>
  <artifactId>local-kafka</artifactId>
  <version>{kafka}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>{kafka}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId>
      <version>{log4j}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId>
      <version>{log4j}</version>
    </dependency>
  </dependencies>
</project>
"""


def find_java(java_home: str = "") -> str:
    """Path of the ``java`` to run the broker with, or a :class:`BrokerUnavailable` saying what
    to install."""
    candidate = Path(java_home, "bin", "java") if java_home else None
    if candidate and candidate.exists():
        return str(candidate)
    found = shutil.which("java")
    if not found:
        raise BrokerUnavailable(
            "no Java found (neither JAVA_HOME nor java on PATH): install a JDK 17 or newer "
            "(e.g. apt-get install openjdk-17-jre-headless) to run the local Kafka broker, "
            "or set KAFKA_BOOTSTRAP_SERVERS to a broker you already run"
        )
    return found


class KafkaJars:
    """The broker's jars, fetched once with Maven and cached under ``cache_dir``."""

    def __init__(self, cache_dir: Path, *, version: str = KAFKA_VERSION) -> None:
        self.root = cache_dir / f"kafka-{version}"
        self.version = version

    @property
    def libs(self) -> Path:
        """The folder the broker's classpath is made of."""
        return self.root / "libs"

    def is_cached(self) -> bool:
        """True once a fetch has completed."""
        return (self.root / "complete").exists()

    def ensure(self) -> Path:
        """Fetch the jars unless cached; return the ``libs`` folder."""
        if self.is_cached():
            return self.libs
        self.root.mkdir(parents=True, exist_ok=True)
        with _file_lock(self.root / ".lock"):
            if not self.is_cached():  # another process may have fetched while we waited
                self._fetch()
        return self.libs

    def _fetch(self) -> None:
        mvn = shutil.which("mvn")
        if not mvn:
            raise BrokerUnavailable(
                "Maven (mvn) is needed once to fetch the Kafka broker's jars: install it "
                "(e.g. apt-get install maven), or set KAFKA_BOOTSTRAP_SERVERS to a running broker"
            )
        pom = self.root / "pom.xml"
        pom.write_text(_POM.format(kafka=self.version, log4j=LOG4J_VERSION))
        staging = self.root / "libs.partial"
        shutil.rmtree(staging, ignore_errors=True)
        command = [
            mvn, "-B", "-q", "-f", str(pom), "dependency:copy-dependencies",
            f"-DoutputDirectory={staging}", "-DincludeScope=runtime",
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = (done.stdout + done.stderr)[-2000:]
            raise BrokerUnavailable(f"Maven could not fetch Kafka {self.version}:\n{tail}")
        shutil.rmtree(self.libs, ignore_errors=True)
        staging.rename(self.libs)
        (self.root / "complete").write_text(self.version)


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
