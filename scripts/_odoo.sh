# shellcheck shell=bash
# Shared Odoo lookup, sourced by .ci/run and scripts/demo.
#
#   jj_find_odoo   -> 0 when Odoo is usable; sets ODOO_ADDONS_DIR, and puts
#                     ODOO_PATH on PYTHONPATH when that is how Odoo is found.
#
# Odoo is not on any package registry: the machine provides it, either as an
# importable `odoo` (e.g. a .pth file) or as a source tree named by ODOO_PATH.

JJ_PYTHON="${JJ_PYTHON:-python3}"

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

jj_find_odoo() {
    if [ "${JINGJAI_FORCE_NO_ODOO:-}" = 1 ]; then
        return 1
    fi
    local addons
    if addons=$(cd / && _jj_odoo_addons) && [ -n "$addons" ]; then
        ODOO_ADDONS_DIR="$addons"
        return 0
    fi
    if [ -n "${ODOO_PATH:-}" ]; then
        export PYTHONPATH="${ODOO_PATH}${PYTHONPATH:+:$PYTHONPATH}"
        if addons=$(cd / && _jj_odoo_addons) && [ -n "$addons" ]; then
            ODOO_ADDONS_DIR="$addons"
            return 0
        fi
    fi
    return 1
}
