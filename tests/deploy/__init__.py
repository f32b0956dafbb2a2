"""Deployment files: docker compose, images and Kubernetes manifests."""
