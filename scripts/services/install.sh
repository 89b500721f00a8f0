#!/usr/bin/env bash
# Installs what the real-service tests and demos need, and only what is missing:
#   Debian packages: postgresql, redis-server, kcat, openssl, prometheus (for promtool), chromium (+ fonts),
#                    prometheus-alertmanager (if Debian has it),
#                    and a Java 17 runtime + Maven when absent;
#   Apache Kafka (KRaft) jars from Maven Central into <repo>/.cache/kafka/libs (scripts/services/kafka/pom.xml).
# Idempotent and fast when everything is there (no apt-get update, no Maven run).
# Skip optional pieces with VIGIL_INSTALL_SKIP="chromium alertmanager" (space separated).
# Usage: scripts/services/install.sh
source "$(dirname "$0")/lib.sh"

t0=$(now_ms)
skip=" ${VIGIL_INSTALL_SKIP:-} "
skipped() { [[ "$skip" == *" $1 "* ]]; }

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || die "not root and no sudo: cannot install Debian packages"
  SUDO=(sudo)
fi
APT=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -o APT::Get::Assume-Yes=true)

# ---------- Debian packages: what is missing? ----------
missing=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

pg_bindir >/dev/null || missing+=(postgresql)
{ have_cmd redis-server && have_cmd redis-cli; } || missing+=(redis-server)
have_cmd kcat || missing+=(kcat)
# The private CA and certificates of scripts/services/tls.sh.
have_cmd openssl || missing+=(openssl)
# promtool: the /metrics tests lint the daemon's output with `promtool check metrics`.
have_cmd promtool || missing+=(prometheus)
if ! skipped chromium; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  pkg_installed fonts-liberation || missing+=(fonts-liberation)
fi
want_alertmanager=0
if ! skipped alertmanager && ! have_cmd prometheus-alertmanager; then want_alertmanager=1; fi
java_ok() { have_cmd java && java -version 2>&1 | head -n1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])'; }
java_ok || missing+=(openjdk-17-jre-headless)
have_cmd mvn || missing+=(maven)

if [ ${#missing[@]} -gt 0 ] || [ "$want_alertmanager" = 1 ]; then
  t=$(now_ms)
  log "apt-get update (missing: ${missing[*]:-}${missing[*]:+ }$([ "$want_alertmanager" = 1 ] && echo prometheus-alertmanager))"
  "${APT[@]}" update -qq || die "apt-get update failed"
  if [ "$want_alertmanager" = 1 ]; then
    if apt-cache show prometheus-alertmanager >/dev/null 2>&1; then
      missing+=(prometheus-alertmanager)
    else
      log "note: Debian has no package prometheus-alertmanager here; skipping it"
    fi
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    # No recommends: chromium's pull in desktop services (upower, printing) that tests never use.
    "${APT[@]}" install -qq --no-install-recommends "${missing[@]}" >/tmp/vigil-apt-install.$$.log 2>&1 \
      || die "apt-get install ${missing[*]} failed" /tmp/vigil-apt-install.$$.log
    rm -f /tmp/vigil-apt-install.$$.log
  fi
  log "Debian packages ready in $(since "$t")"
else
  log "Debian packages: all present"
fi

pg_bindir >/dev/null || die "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin after install"
java_ok || die "Java 17+ is required for Kafka (java -version: $(java -version 2>&1 | head -n1))"
id postgres >/dev/null 2>&1 || {
  # The postgresql package creates this user; make sure it exists even when only the binaries were there.
  "${SUDO[@]}" useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres \
    || die "could not create the 'postgres' system user"
}

# ---------- Apache Kafka from Maven Central ----------
version=$(kafka_version)
[ -n "$version" ] || die "cannot read <kafka.version> from $KAFKA_POM"
stamp="$version $(sha256sum "$KAFKA_POM" | cut -c1-16)"
if [ -f "$KAFKA_LIBS/VERSION" ] && [ "$(cat "$KAFKA_LIBS/VERSION")" = "$stamp" ] \
  && ls "$KAFKA_LIBS"/kafka_2.13-"$version".jar >/dev/null 2>&1; then
  log "Kafka $version jars: present in $KAFKA_LIBS"
else
  t=$(now_ms)
  log "fetching Kafka $version and its runtime dependencies from Maven Central"
  tmp="$KAFKA_LIBS.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$(dirname "$KAFKA_LIBS")"
  mvn -q -B -f "$KAFKA_POM" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" \
    >"$tmp.log" 2>&1 || die "mvn dependency:copy-dependencies failed" "$tmp.log"
  rm -f "$tmp.log"
  echo "$stamp" >"$tmp/VERSION"
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
  log "Kafka $version: $(ls "$KAFKA_LIBS"/*.jar | wc -l) jars in $KAFKA_LIBS ($(since "$t"))"
fi

log "install done in $(since "$t0")"
