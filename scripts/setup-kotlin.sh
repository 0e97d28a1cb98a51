#!/usr/bin/env bash
# Install what is needed to compile and run UniFFI-generated Kotlin bindings:
#   * JNA            - Debian package libjna-java  -> /usr/share/java/jna.jar
#                      (pulls in libjna-jni, the native libjnidispatch.so)
#   * Kotlin 2.4.x   - npm package kotlin-compiler, installed under
#                      <repo>/.tools/kotlin/node_modules/kotlin-compiler
#                      (a full JVM kotlinc distribution: bin/kotlinc, lib/*.jar)
#   * kotlinx.coroutines - shipped in that npm package as
#                      lib/kotlinx-coroutines-core-jvm.jar (version 1.8.0 in 2.4.20)
#
# Idempotent: each step is skipped if already done. On success it writes
# <repo>/.tools/kotlin/env.sh and prints the same exports on stdout:
#   export KOTLIN_HOME=<repo>/.tools/kotlin/node_modules/kotlin-compiler
#   export KOTLINC=$KOTLIN_HOME/bin/kotlinc
#   export JNA_JAR=/usr/share/java/jna.jar
#   export GSON_JAR=/usr/share/java/gson.jar
#   export COROUTINES_JAR=$KOTLIN_HOME/lib/kotlinx-coroutines-core-jvm.jar
# Use it as:   eval "$(scripts/setup-kotlin.sh)"   or
#              scripts/setup-kotlin.sh >/dev/null && . .tools/kotlin/env.sh
# (all progress messages go to stderr).
#
# Options / env:
#   --self-test          also compile and run a tiny Kotlin program using JNA
#                        (a real native call) and kotlinx.coroutines.
#   KOTLIN_VERSION=...   npm kotlin-compiler version (default 2.4.20)
#   FORCE=1              re-run `kotlinc -version` verification
#
# Needs: java (JDK 17 works), npm, apt-get (root or sudo).
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd -- "${SCRIPT_DIR}/.." && pwd)"
KOTLIN_VERSION="${KOTLIN_VERSION:-2.4.20}"
TOOLS_DIR="${REPO_ROOT}/.tools/kotlin"
KOTLIN_HOME="${TOOLS_DIR}/node_modules/kotlin-compiler"
KOTLINC="${KOTLIN_HOME}/bin/kotlinc"
JNA_JAR="/usr/share/java/jna.jar"
GSON_JAR="/usr/share/java/gson.jar"
ENV_FILE="${TOOLS_DIR}/env.sh"

SELF_TEST=0
for arg in "$@"; do
    case "${arg}" in
        --self-test) SELF_TEST=1 ;;
        -h|--help) sed -n '2,30p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "unknown argument: ${arg}" >&2; exit 2 ;;
    esac
done

log() { echo "[setup-kotlin] $*" >&2; }

SUDO=""
if [[ "$(id -u)" -ne 0 ]]; then SUDO="sudo"; fi

# ------------------------------------------------------- JNA and Gson (apt)
# JNA carries the calls into the library; Gson reads the catalogue of bad inputs in the tests.
apt_jar() {
    local package="$1" jar="$2"
    [[ -f "${jar}" ]] && return 0
    log "installing ${package} (apt) ..."
    export DEBIAN_FRONTEND=noninteractive
    if ! ${SUDO} apt-get install -y -q "${package}" >/dev/null 2>&1; then
        log "apt-get install failed; running apt-get update and retrying"
        ${SUDO} apt-get update -q >/dev/null
        ${SUDO} apt-get install -y -q "${package}" >/dev/null
    fi
    [[ -f "${jar}" ]] || { log "ERROR: ${jar} still missing after installing ${package}"; exit 1; }
}
apt_jar libjna-java "${JNA_JAR}"
apt_jar libgoogle-gson-java "${GSON_JAR}"

# ------------------------------------------------------- Kotlin compiler (npm)
installed_version() {
    local pj="${KOTLIN_HOME}/package.json"
    [[ -f "${pj}" ]] || return 0
    node -e 'process.stdout.write(require(process.argv[1]).version || "")' "${pj}" 2>/dev/null || true
}

if [[ ! -x "${KOTLINC}" || "$(installed_version)" != "${KOTLIN_VERSION}" ]]; then
    command -v npm >/dev/null || { log "ERROR: npm not found"; exit 1; }
    log "installing kotlin-compiler@${KOTLIN_VERSION} from npm into ${TOOLS_DIR} ..."
    mkdir -p "${TOOLS_DIR}"
    rm -f -- "${TOOLS_DIR}"/.verified-*
    npm install --prefix "${TOOLS_DIR}" --no-audit --no-fund --loglevel=error \
        "kotlin-compiler@${KOTLIN_VERSION}" >&2
    # npm normally keeps the tarball's exec bits; be defensive anyway.
    chmod +x "${KOTLIN_HOME}"/bin/* 2>/dev/null || true
    [[ -x "${KOTLINC}" ]] || { log "ERROR: ${KOTLINC} not found after npm install"; exit 1; }
fi

# kotlinx-coroutines-core-jvm.jar ships in the package's lib/ folder.
COROUTINES_JAR="${KOTLIN_HOME}/lib/kotlinx-coroutines-core-jvm.jar"
if [[ ! -f "${COROUTINES_JAR}" ]]; then
    COROUTINES_JAR="$(find "${KOTLIN_HOME}" -name 'kotlinx-coroutines-core-jvm*.jar' ! -name '*sources*' 2>/dev/null | sort | head -n1)"
    [[ -n "${COROUTINES_JAR}" ]] || { log "ERROR: kotlinx-coroutines-core-jvm jar not found under ${KOTLIN_HOME}"; exit 1; }
fi

# Verify kotlinc runs (takes ~3 s of JVM startup, so only once per version).
VERIFIED_STAMP="${TOOLS_DIR}/.verified-${KOTLIN_VERSION}"
if [[ ! -f "${VERIFIED_STAMP}" || "${FORCE:-0}" == "1" ]]; then
    command -v java >/dev/null || { log "ERROR: java not found (kotlinc needs a JDK)"; exit 1; }
    if ! ver="$("${KOTLINC}" -version 2>&1)"; then
        log "ERROR: '${KOTLINC} -version' failed:"; echo "${ver}" >&2; exit 1
    fi
    log "${ver}"
    touch "${VERIFIED_STAMP}"
fi

# ------------------------------------------------------------------ env.sh
ENV_CONTENT="export KOTLIN_HOME=\"${KOTLIN_HOME}\"
export KOTLINC=\"${KOTLINC}\"
export JNA_JAR=\"${JNA_JAR}\"
export GSON_JAR=\"${GSON_JAR}\"
export COROUTINES_JAR=\"${COROUTINES_JAR}\""
if [[ ! -f "${ENV_FILE}" ]] || [[ "$(cat "${ENV_FILE}")" != "${ENV_CONTENT}" ]]; then
    printf '%s\n' "${ENV_CONTENT}" > "${ENV_FILE}"
fi

# -------------------------------------------------------------- self-test
if [[ "${SELF_TEST}" == "1" ]]; then
    tmp="$(mktemp -d)"
    trap 'rm -rf -- "${tmp}"' EXIT
    cat > "${tmp}/hello.kt" <<'KT'
import com.sun.jna.Library
import com.sun.jna.Native
import com.sun.jna.Platform
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking

interface CLib : Library {
    fun getpid(): Int
    fun strlen(s: String): Long
}

fun main() = runBlocking {
    val libc = Native.load("c", CLib::class.java)
    val a = async { delay(10); 20 }
    val b = async { delay(10); 22 }
    val sum = a.await() + b.await()
    println("isLinux=${Platform.isLinux()} pid=${libc.getpid()} strlen=${libc.strlen("uniffi")} coroutines=$sum")
    check(Platform.isLinux() && libc.strlen("uniffi") == 6L && sum == 42)
}
KT
    log "self-test: compiling hello.kt ..."
    start=$(date +%s)
    "${KOTLINC}" "${tmp}/hello.kt" -cp "${JNA_JAR}:${COROUTINES_JAR}" \
        -include-runtime -d "${tmp}/hello.jar"
    log "self-test: kotlinc took $(( $(date +%s) - start )) s"
    java -cp "${tmp}/hello.jar:${JNA_JAR}:${COROUTINES_JAR}" HelloKt >&2
    log "self-test: OK"
fi

printf '%s\n' "${ENV_CONTENT}"
