#!/bin/sh
# Container entrypoint: render /etc/asterisk from the pristine copy in the image plus the environment, make
# the shared recordings directory usable by Asterisk and the logger, then exec the command (Asterisk).
#
# Secrets (AMI_SECRET, AGENT_PASSWORD / AGENT_<n>_PASSWORD) exist only in the environment and in the
# rendered files inside the running container: they are never in the image or the repository. Rendering
# happens on every start, so changing docker/.env and recreating the container is enough to rotate them.
#
#   entrypoint.sh --render-only   render and exit: lets you check a .env without starting Asterisk
#                                 (docker compose run --rm asterisk --render-only); also used by the tests.
set -eu

here=$(dirname "$0")
template_dir=${CC_ASTERISK_TEMPLATE_DIR:-/usr/local/share/callcentre/asterisk-etc}
config_dir=${CC_ASTERISK_CONFIG_DIR:-/etc/asterisk}
recordings_dir=${CC_RECORDINGS_DIR:-/srv/asterisk-rec}
render_awk=${CC_RENDER_AWK:-$here/render-config.awk}
# Files with ${NAME} placeholders. All others are copied as they are: in extensions.conf every ${...} is a
# dialplan variable that Asterisk evaluates at call time and must not be touched.
templated_files="manager.conf pjsip.conf rtp.conf"

die() {
    printf 'entrypoint: %s\n' "$*" >&2
    exit 1
}

is_templated() {
    case " $templated_files " in
        *" $1 "*) return 0 ;;
        *) return 1 ;;
    esac
}

render_all() {
    [ -d "$template_dir" ] || die "no configuration templates in $template_dir"
    mkdir -p "$config_dir"
    failed=0
    for source in "$template_dir"/*.conf; do
        name=$(basename "$source")
        target=$config_dir/$name
        if is_templated "$name"; then
            # Render next to the target and rename: Asterisk never sees a half-written file, and a
            # failed render leaves no file with a partial secret behind.
            if awk -v template="$name" -f "$render_awk" <"$source" >"$target.tmp"; then
                chmod 0640 "$target.tmp"
                mv -f "$target.tmp" "$target"
            else
                rm -f "$target.tmp"
                failed=1
            fi
        else
            cp "$source" "$target"
            chmod 0644 "$target"
        fi
    done
    [ "$failed" -eq 0 ] || die "configuration not rendered; set the variables named above in docker/.env (see docker/.env.example)"
}

# The recordings volume is shared with the logger container, whose user is in group ccrec (same GID in
# both images). setgid keeps new files in that group; the umask below makes them group-readable but never
# world-readable: recordings hold personal information (POPIA).
prepare_recordings() {
    mkdir -p "$recordings_dir"
    chown asterisk:ccrec "$recordings_dir"
    chmod 2770 "$recordings_dir"
}

prepare_runtime_dirs() {
    # Fresh named volumes (logs) start root-owned; Asterisk runs as "asterisk" after it drops root.
    for dir in /var/log/asterisk /var/log/asterisk/cdr-csv /var/lib/asterisk /var/spool/asterisk /var/run/asterisk; do
        mkdir -p "$dir"
        chown asterisk:asterisk "$dir"
    done
    # The rendered files hold secrets: readable by Asterisk's group, not by everyone.
    for name in $templated_files; do
        chown root:asterisk "$config_dir/$name"
    done
}

render_all
if [ "${1:-}" = "--render-only" ]; then
    exit 0
fi

[ "$(id -u)" -eq 0 ] || die "must start as root (Asterisk drops to the asterisk user itself, see asterisk.conf)"
prepare_recordings
prepare_runtime_dirs
umask 0007
exec "$@"
