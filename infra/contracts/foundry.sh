#!/usr/bin/env bash
# Sourced (after infra/lib/common.sh), never executed: finds the native forge/anvil/cast binaries
# inside the @foundry-rs/<tool>-<platform> npm packages and puts the solc shim's Node first on PATH;
# run_forge is the whole body of the forge wrappers (build.sh, test.sh, snapshot.sh).
# Why not node_modules/.bin/forge: that npm wrapper (bin.mjs) spawns the binary and then exits 0
# whatever the binary returned, so failing tests would pass CI; as a long-running parent it also
# hides anvil's real pid from pid files and port_owner.

# foundry_bin TOOL -> absolute path of the native binary (FORGE_BIN / ANVIL_BIN / CAST_BIN override)
foundry_bin() {
  local tool="$1" override os arch pkg_dir
  override="$(printf '%s_BIN' "$tool" | tr '[:lower:]' '[:upper:]')"
  if [ -n "${!override:-}" ]; then
    printf '%s\n' "${!override}"
    return 0
  fi
  case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    *) die "unsupported OS $(uname -s) for @foundry-rs/$tool" ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "unsupported CPU $(uname -m) for @foundry-rs/$tool" ;;
  esac
  pkg_dir="$ATELIER_ROOT/node_modules/@foundry-rs/$tool-$os-$arch"
  [ -x "$pkg_dir/bin/$tool" ] ||
    die "$tool binary not found at $pkg_dir/bin/$tool; run 'npm ci' in $ATELIER_ROOT (package @foundry-rs/$tool)"
  printf '%s\n' "$pkg_dir/bin/$tool"
}

# The remapped dependencies are symlinks into node_modules; a dangling one means npm ci never ran.
check_contract_deps() {
  local link
  for link in "$ATELIER_ROOT"/contracts/lib/*; do
    [ -L "$link" ] || continue
    [ -e "$link" ] || die "contracts/lib/$(basename "$link") points to $(readlink "$link"), which is missing; run 'npm ci' in $ATELIER_ROOT"
  done
}

# run_forge SUBCOMMAND [ARGS...]: runs `forge SUBCOMMAND ARGS...` in contracts/ with the project's
# Node 24 first on PATH (the solc shim runs on it), after checking the remapped dependencies.
# Replaces the shell, so forge's exit status is the script's.
run_forge() {
  local forge
  ATELIER_COMPONENT=contracts
  use_project_node
  check_contract_deps
  forge="$(foundry_bin forge)"
  cd "$ATELIER_ROOT/contracts"
  exec "$forge" "$@"
}
