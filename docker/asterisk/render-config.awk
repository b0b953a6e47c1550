# render-config.awk -- fill an Asterisk .conf template from the environment (POSIX awk: busybox, mawk, gawk).
#
#   awk -f render-config.awk -v template=manager.conf < template > rendered
#
# Rules (see the header of manager.conf / pjsip.conf):
#   ${NAME}     required: replaced with ENVIRON["NAME"]; unset or empty is an error.
#   ${NAME:-}   optional: the whole line is left out when NAME is empty, because an Asterisk option set to
#               "" is not the same as the option being absent.
#   Lines whose first non-blank character is ";" are comments and are copied unchanged, so a comment may
#   mention ${NAME} without the value ending up in the file.
# AGENT_<n>_PASSWORD falls back to AGENT_PASSWORD, so a site can start with one password and move to one
# per phone without touching the templates.
#
# Values are checked, not trusted: a newline would let an environment variable inject configuration lines,
# and surrounding blanks would be silently stripped by Asterisk. ";" starts a comment in Asterisk
# configuration files, so it is written escaped (\;) instead of cutting a secret short.
# Every problem is reported (on stderr) before exiting with status 1, so one run shows all of them.

function lookup(name,    value) {
    value = ENVIRON[name]
    if (value == "" && name ~ /^AGENT_[0-9]+_PASSWORD$/)
        value = ENVIRON["AGENT_PASSWORD"]
    return value
}

function problem(message) {
    printf "%s:%d: %s\n", template, NR, message > "/dev/stderr"
    failed = 1
}

function check(name, value) {
    if (value ~ /[\n\r]/)
        problem(name " contains a line break")
    else if (value ~ /^[ \t]/ || value ~ /[ \t]$/)
        problem(name " starts or ends with a blank")
    if (name ~ /(SECRET|PASSWORD)$/ && length(value) < min_secret_length)
        problem(name " is shorter than " min_secret_length " characters")
}

function escape(value,    out, i) {
    out = ""
    while ((i = index(value, ";")) > 0) {
        out = out substr(value, 1, i - 1) "\\;"
        value = substr(value, i + 1)
    }
    return out value
}

BEGIN {
    failed = 0
    if (template == "") template = "template"
    if (min_secret_length == "") min_secret_length = 12
}

/^[ \t]*;/ { print; next }

{
    rest = $0
    out = ""
    omit = 0
    while (match(rest, /\$\{[A-Za-z_][A-Za-z0-9_]*(:-)?\}/)) {
        placeholder = substr(rest, RSTART, RLENGTH)
        optional = (placeholder ~ /:-\}$/)
        name = placeholder
        sub(/^\$\{/, "", name)
        sub(/(:-)?\}$/, "", name)
        value = lookup(name)
        if (value == "") {
            if (optional)
                omit = 1
            else if (name ~ /^AGENT_[0-9]+_PASSWORD$/)
                problem(name " is not set (nor AGENT_PASSWORD, its fallback)")
            else
                problem(name " is not set")
        } else {
            check(name, value)
        }
        out = out substr(rest, 1, RSTART - 1) escape(value)
        rest = substr(rest, RSTART + RLENGTH)
    }
    if (!omit)
        print out rest
}

END { exit failed }
