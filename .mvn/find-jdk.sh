# Sourced by ./mvnw and the deployment scripts: makes JAVA_HOME point at a JDK >= 24 (Trino 476 needs it).
# Keeps a suitable JAVA_HOME; otherwise takes the newest suitable JDK under /usr/lib/jvm (or $TRINO_BUNDLE_JDK_DIRS);
# otherwise stops with a message that says what to install.

trino_bundle_java_feature() {
  # Prints the feature release (e.g. 25) of the JDK in $1, or nothing if $1 is not a JDK.
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  if [ -f "$1/release" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release"
  else
    "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p'
  fi
}

trino_bundle_find_jdk() {
  required=24
  if [ -n "${JAVA_HOME:-}" ]; then
    v=$(trino_bundle_java_feature "$JAVA_HOME")
    if [ -n "$v" ] && [ "$v" -ge "$required" ]; then
      return 0
    fi
  fi
  best=""
  best_version=0
  for candidate in ${TRINO_BUNDLE_JDK_DIRS:-/usr/lib/jvm/* /opt/java/* /opt/jdk*}; do
    [ -d "$candidate" ] || continue
    v=$(trino_bundle_java_feature "$candidate")
    if [ -n "$v" ] && [ "$v" -ge "$required" ] && [ "$v" -gt "$best_version" ]; then
      best="$candidate"
      best_version="$v"
    fi
  done
  if [ -z "$best" ]; then
    echo "ERROR: Trino needs a JDK $required or newer, and none was found." >&2
    echo "       JAVA_HOME=${JAVA_HOME:-<unset>} is not one, and /usr/lib/jvm has none." >&2
    echo "       Install one (e.g. Temurin 25: apt-get install temurin-25-jdk) and/or set JAVA_HOME to it." >&2
    return 1
  fi
  JAVA_HOME="$best"
  export JAVA_HOME
}

trino_bundle_find_jdk || exit 1
