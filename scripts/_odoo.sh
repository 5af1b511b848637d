# shellcheck shell=bash
# Shared Odoo lookup, sourced by .ci/run and scripts/demo.
#
#   jj_find_odoo   -> 0 when Odoo is usable; sets ODOO_ADDONS_DIR, and puts
#                     ODOO_PATH on PYTHONPATH when that is how Odoo is found.
#
# Odoo is on no package registry. In order: an importable `odoo`; the source
# tree named by ODOO_PATH; else Odoo set up by scripts/odoo_setup.py from
# ODOO_SOURCE (a source package or tree) or from the team's copy beside the
# repository (../shared/odoo/), unpacked once into a cache folder.

JJ_PYTHON="${JJ_PYTHON:-python3}"
JJ_SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

_jj_odoo_addons() {
    "$JJ_PYTHON" - <<'PY' 2>/dev/null
import os, odoo
for p in list(odoo.__path__):
    if os.path.isdir(os.path.join(p, "addons", "base")):
        print(os.path.join(p, "addons"))
        break
else:
    raise SystemExit(1)
PY
}

_jj_odoo_on_path() {
    export PYTHONPATH="${ODOO_PATH}${PYTHONPATH:+:$PYTHONPATH}"
    local addons
    addons=$(cd / && _jj_odoo_addons) && [ -n "$addons" ] || return 1
    ODOO_ADDONS_DIR="$addons"
}

jj_find_odoo() {
    local addons
    if addons=$(cd / && _jj_odoo_addons) && [ -n "$addons" ]; then
        ODOO_ADDONS_DIR="$addons"
        return 0
    fi
    if [ -n "${ODOO_PATH:-}" ]; then
        _jj_odoo_on_path && return 0
        jj_log "ODOO_PATH=$ODOO_PATH is set, but Odoo does not import from it"
        return 1
    fi
    local tree
    # Progress on stderr; the tree's path is the last line on stdout.
    tree=$("$JJ_PYTHON" "$JJ_SCRIPTS_DIR/odoo_setup.py" | tail -n1) || return 1
    export ODOO_PATH="$tree"
    _jj_odoo_on_path
}
