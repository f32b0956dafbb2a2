#!/bin/sh
# Print the blocks of a uv/pip-compile lock (read on stdin) whose package is named in the
# arguments, hashes included, so a part of requirements.lock can be installed with
# --require-hashes. Names are compared case-insensitively with - and _ treated alike.
# Fails when a named package is not in the lock.
set -eu
want=$(printf ' %s ' "$@" | tr 'A-Z_' 'a-z-')
awk -v want="$want" '
    /^[^ #]/ {
        name = $1; sub(/[=<>!~;[ ].*$/, "", name)
        name = tolower(name); gsub(/_/, "-", name)
        keep = index(want, " " name " ") > 0
        if (keep) found[name] = 1
    }
    keep { print }
    END {
        n = split(want, names, " ")
        for (i = 1; i <= n; i++) if (names[i] != "" && !(names[i] in found)) {
            print "lock-subset: " names[i] " is not in the lock" > "/dev/stderr"; bad = 1
        }
        exit bad
    }'
