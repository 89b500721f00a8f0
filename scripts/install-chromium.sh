#!/usr/bin/env bash
# Installs the system Chromium that the HTML report's screenshot test drives through playwright-core (the test
# uses executablePath /usr/bin/chromium, so nothing is downloaded at test time). Idempotent: does nothing when
# /usr/bin/chromium is already there.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# Other set-up scripts may run apt at the same time: wait for the dpkg lock rather than fail on it, and retry,
# because a concurrent run can also remove the downloaded archives under us.
for attempt in 1 2 3; do
  if $sudo apt-get -o DPkg::Lock::Timeout=600 update &&
     $sudo apt-get -o DPkg::Lock::Timeout=600 install -y chromium; then
    exit 0
  fi
  echo "install-chromium: attempt $attempt failed, retrying" >&2
  sleep 5
done
exit 1
