#!/usr/bin/env bash
# Make sure PostgreSQL answers on 127.0.0.1:5432; start the local cluster if it is
# installed but stopped. Exit 0 when reachable, 1 when not.
set -u
ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
ready && exit 0
command -v pg_ctlcluster >/dev/null 2>&1 || exit 1
version=$(ls /etc/postgresql 2>/dev/null | sort -n | tail -1)
[ -n "$version" ] || exit 1
pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 \
  || pg_ctlcluster "$version" main start >/dev/null 2>&1
for _ in $(seq 1 20); do ready && exit 0; sleep 0.5; done
exit 1
