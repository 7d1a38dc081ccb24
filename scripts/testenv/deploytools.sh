# Installs the programs that the deployment checks in deploy/ run:
# promtool and prometheus from Debian's prometheus package, and
# kubernetes-validate, a Kubernetes schema validator from PyPI that ships
# the Kubernetes JSON schemas, so no schema is downloaded at test time.
# Source it after common.sh; run.sh does both.
# shellcheck shell=bash

# Version of kubernetes-validate; 1.37.0 ships schemas of Kubernetes 1.25
# to 1.37.
KUBERNETES_VALIDATE_VERSION="${ARENASYNC_TESTENV_KUBERNETES_VALIDATE_VERSION:-1.37.0}"
KUBERNETES_VALIDATE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/arenasync/kubernetes-validate-$KUBERNETES_VALIDATE_VERSION"

# Path of the kubernetes-validate program, set by deploytools_install.
KUBERNETES_VALIDATE=""

deploytools_install() {
  ensure_command promtool prometheus
  ensure_command prometheus prometheus
  deploytools_install_kubernetes_validate
}

# Install kubernetes-validate into a virtual environment in the cache
# folder once per version. A lock keeps concurrent runs from installing
# into the same folder.
deploytools_install_kubernetes_validate() {
  local lock_fd staging

  KUBERNETES_VALIDATE="$KUBERNETES_VALIDATE_DIR/bin/kubernetes-validate"
  mkdir -p "$(dirname "$KUBERNETES_VALIDATE_DIR")"
  exec {lock_fd}>"$KUBERNETES_VALIDATE_DIR.lock"
  flock "$lock_fd"

  if [[ -x "$KUBERNETES_VALIDATE" && -f "$KUBERNETES_VALIDATE_DIR/.complete" ]]; then
    exec {lock_fd}>&-
    return 0
  fi

  log "installing kubernetes-validate $KUBERNETES_VALIDATE_VERSION into $KUBERNETES_VALIDATE_DIR"
  rm -rf "$KUBERNETES_VALIDATE_DIR"
  if ! python3 -m venv "$KUBERNETES_VALIDATE_DIR" >&2; then
    # Debian's python3 needs python3-venv for the venv module.
    rm -rf "$KUBERNETES_VALIDATE_DIR"
    ensure_package python3-venv
    python3 -m venv "$KUBERNETES_VALIDATE_DIR" >&2 || die "python3 -m venv $KUBERNETES_VALIDATE_DIR failed"
  fi

  staging="$KUBERNETES_VALIDATE_DIR/pip.log"
  if ! "$KUBERNETES_VALIDATE_DIR/bin/pip" install -q "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" >"$staging" 2>&1; then
    show_log_tail "$staging"
    exec {lock_fd}>&-
    die "pip install kubernetes-validate==$KUBERNETES_VALIDATE_VERSION failed; see $staging"
  fi

  touch "$KUBERNETES_VALIDATE_DIR/.complete"
  exec {lock_fd}>&-
}

# Install a Debian package that provides no command of its own name.
ensure_package() {
  local package="$1"
  local sudo=()

  if [[ "$(id -u)" -ne 0 ]]; then
    sudo -n true 2>/dev/null || die "$package is not installed and this user cannot install it; run: sudo apt-get install -y $package"
    sudo=(sudo -n)
  fi
  log "installing $package: apt-get install -y $package"
  "${sudo[@]}" apt-get update -qq >&2 || die "apt-get update failed"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >&2 \
    || die "apt-get install -y $package failed"
}
