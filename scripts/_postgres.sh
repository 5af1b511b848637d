# shellcheck shell=bash
# Shared PostgreSQL bootstrap, sourced by .ci/run and scripts/demo.
#
#   jj_pg_ensure [--install]
#
# Makes sure a PostgreSQL cluster is running and that the current OS user has
# a superuser role (Odoo connects over the local socket as that user).
# With --install it may apt-get install postgresql when it is missing (CI);
# without it, it only says what to do.
# Debian/Ubuntu layout (pg_ctlcluster, pg_lsclusters); works as root, or as a
# user with sudo for the steps that need the postgres account.

jj_log() { printf '[%s] %s\n' "${JJ_LOG_TAG:-jingjai}" "$*"; }

# Run a command as the postgres OS user.
jj_as_postgres() {
    if [ "$(id -un)" = postgres ]; then
        "$@"
    elif [ "$(id -u)" -eq 0 ]; then
        if command -v runuser >/dev/null 2>&1; then
            runuser -u postgres -- "$@"
        else
            su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
        fi
    else
        sudo -u postgres -- "$@"
    fi
}

# As root, or through sudo otherwise.
jj_as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Prints "VERSION NAME" of the cluster to use: 15/main when it exists, else
# the first one listed; nothing when there is none.
jj_pg_pick_cluster() {
    local clusters
    clusters=$(pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}')
    if printf '%s\n' "$clusters" | grep -qx '15 main'; then
        echo "15 main"
    elif [ -n "$clusters" ]; then
        printf '%s\n' "$clusters" | head -n1
    fi
}

jj_pg_ensure() {
    local install=0
    [ "${1:-}" = "--install" ] && install=1

    if ! command -v pg_ctlcluster >/dev/null 2>&1; then
        if [ "$install" = 1 ]; then
            jj_log "PostgreSQL is not installed: apt-get install postgresql"
            jj_as_root apt-get update -qq
            DEBIAN_FRONTEND=noninteractive jj_as_root apt-get install -y -qq postgresql >/dev/null
        else
            jj_log "PostgreSQL is not installed. Install it with:"
            jj_log "    sudo apt-get update && sudo apt-get install -y postgresql"
            return 1
        fi
    fi

    local cluster version name
    cluster=$(jj_pg_pick_cluster)
    if [ -z "$cluster" ]; then
        version=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n1)
        if [ -z "$version" ]; then
            jj_log "no PostgreSQL server binaries under /usr/lib/postgresql"
            return 1
        fi
        jj_log "no PostgreSQL cluster: pg_createcluster $version main"
        jj_as_root pg_createcluster "$version" main >/dev/null
        cluster="$version main"
    fi
    read -r version name <<<"$cluster"

    local port
    port=$(pg_lsclusters -h | awk -v v="$version" -v n="$name" '$1==v && $2==n {print $3}')
    if pg_isready -q -p "$port" 2>/dev/null; then
        jj_log "PostgreSQL $version/$name is running (port $port)"
    else
        jj_log "starting PostgreSQL: pg_ctlcluster $version $name start"
        local out
        if ! out=$(jj_as_root pg_ctlcluster "$version" "$name" start 2>&1); then
            case "$out" in
                *"already running"*) ;;
                *) jj_log "pg_ctlcluster failed: $out"; return 1 ;;
            esac
        fi
        local i
        for i in $(seq 1 60); do
            pg_isready -q -p "$port" && break
            sleep 1
        done
        if ! pg_isready -q -p "$port"; then
            jj_log "PostgreSQL did not become ready within 60s"
            return 1
        fi
        jj_log "PostgreSQL $version/$name is ready (port $port)"
    fi
    export PGPORT="${PGPORT:-$port}"

    local me
    me=$(id -un)
    if [ "$me" != postgres ]; then
        if [ "$(jj_as_postgres psql -p "$port" -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$me'" 2>/dev/null)" = 1 ]; then
            jj_log "database role '$me' exists"
        else
            jj_log "creating superuser database role '$me'"
            jj_as_postgres createuser -p "$port" --superuser "$me"
        fi
    fi
}
