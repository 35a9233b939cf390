#!/usr/bin/env bash
# Fetch the pinned Conductor server boot jar from Maven Central (through mvn only) and print its path.
#
#   scripts/fetch-conductor.sh          print the boot jar path (downloads it first if it is missing)
#   scripts/fetch-conductor.sh --java   print the java binary to run it with: $CONDUCTOR_JAVA if set,
#                                       else the lowest JDK under /usr/lib/jvm that can load the jar
#
# The version is pinned in tests/integration/conductor_version.txt (the test fixture reads it too).
# MAVEN_REPO_LOCAL overrides the local repository (default ~/.m2/repository).
# Safe to re-run: an already downloaded jar is reused and nothing else is written.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
version=$(tr -d '[:space:]' <"$repo_root/tests/integration/conductor_version.txt")
m2=${MAVEN_REPO_LOCAL:-$HOME/.m2/repository}
jar=$m2/org/conductoross/conductor-server/$version/conductor-server-$version-boot.jar
main_class_entry=BOOT-INF/classes/com/netflix/conductor/Conductor.class

die() { echo "fetch-conductor: $*" >&2; exit 1; }

fetch_jar() {
  if [[ ! -f $jar ]]; then
    # Maven downloads to a temporary file and renames it, so an existing jar is a complete one.
    mvn -q -B -Dstyle.color=never --strict-checksums -Dmaven.repo.local="$m2" dependency:get \
      -Dartifact="org.conductoross:conductor-server:$version:jar:boot" -Dtransitive=false >&2
    [[ -f $jar ]] || die "mvn finished but $jar is missing"
  fi
}

jdk_feature() {  # $1: JDK home -> feature release (17, 21, 25, ...) from its release file
  sed -n 's/^JAVA_VERSION="\(1\.\)\{0,1\}\([0-9][0-9]*\).*/\2/p' "$1/release"
}

pick_java() {
  local homes=() home javap="" major need feature best="" best_feature=""
  for home in /usr/lib/jvm/*; do
    [[ -x $home/bin/java && -f $home/release ]] && homes+=("$home")
  done
  ((${#homes[@]})) || die "no JDK found under /usr/lib/jvm (set CONDUCTOR_JAVA)"
  for home in "${homes[@]}"; do
    [[ -x $home/bin/javap ]] && { javap=$home/bin/javap; break; }
  done
  [[ -n $javap ]] || die "no javap found under /usr/lib/jvm (set CONDUCTOR_JAVA)"
  major=$("$javap" -v "jar:file:$jar!/$main_class_entry" | sed -n 's/^ *major version: *//p')
  [[ -n $major ]] || die "cannot read the class-file version of $main_class_entry in $jar"
  need=$((major - 44))
  for home in "${homes[@]}"; do
    feature=$(jdk_feature "$home")
    [[ -n $feature ]] || continue
    if ((feature >= need)) && { [[ -z $best ]] || ((feature < best_feature)); }; then
      best=$home best_feature=$feature
    fi
  done
  [[ -n $best ]] || die "conductor-server $version needs Java >= $need; none under /usr/lib/jvm (set CONDUCTOR_JAVA)"
  echo "$best/bin/java"
}

case ${1:-} in
  "") fetch_jar; echo "$jar" ;;
  --java)
    if [[ -n ${CONDUCTOR_JAVA:-} ]]; then
      echo "$CONDUCTOR_JAVA"
    else
      fetch_jar
      pick_java
    fi
    ;;
  *) die "usage: $0 [--java]" ;;
esac
