#!/bin/sh
# A stand-in for `drbdadm create-md` that prints drbdmeta's exact texts (lab-captures/createmd-prompts-tty.txt)
# and reads its answers from its terminal like drbdmeta's confirmed(): question on stderr, then
# "[need to type 'yes' to confirm] ", then one line that must be exactly "yes".
# Usage: fake_drbdmeta.sh SCENARIO    SPELL=sucessfully / CANCEL=canceled pick the old spellings.
confirmed() {
    printf '\n%s\n' "$1" >&2
    if [ ! -t 0 ]; then echo "stdin not a TTY, not waiting for confirmation" >&2; return 1; fi
    printf "[need to type 'yes' to confirm] " >&2
    IFS= read -r answer || return 1
    printf '\n' >&2
    [ "$answer" = yes ]
}
created() {
    echo "initializing activity log"
    echo "initializing bitmap (4 KB) to all zero"
    echo "Writing meta data..."
    echo "New drbd meta data block ${SPELL:-successfully} created."
    exit 0
}
offsets() { printf 'md_offset 66056192\nal_offset 66023424\nbm_offset 66019328\n'; }
case "$1" in
fresh) created ;;
existing-md)
    printf '%s\n' "You want me to create a v08 style flexible-size internal meta data block." \
        "There appears to be a v08 flexible-size internal meta data block" \
        "already in place on /dev/vdb1 at byte offset 66056192" >&2
    confirmed "Do you really want to overwrite the existing meta-data?" || { echo "Operation ${CANCEL:-cancelled}."; exit 1; }
    created ;;
ext3-room)
    offsets
    printf '\nFound ext3 filesystem\n       32768 kB data area apparently used\n       64472 kB left usable by current configuration\n'
    printf '\nEven though it looks like this would place the new meta data into\nunused space, you still need to confirm, as this is only a guess.\n'
    confirmed "Do you want to proceed?" || { echo "Operation ${CANCEL:-canceled}."; exit 1; }
    created ;;
random-data)
    offsets
    printf '\nFound some data\n\n ==> This might destroy existing data! <==\n'
    confirmed "Do you want to proceed?" || { echo "Operation ${CANCEL:-canceled}."; exit 1; }
    created ;;
ext3-full)
    offsets
    printf '\nFound ext3 filesystem\n       64512 kB data area apparently used\n       64472 kB left usable by current configuration\n'
    printf "\nDevice size would be truncated, which\nwould corrupt data and result in\n'access beyond end of device' errors.\n"
    printf 'You need to either\n   * use external meta data (recommended)\n   * shrink that filesystem first\n'
    printf '   * zero out the device (destroy the filesystem)\nOperation refused.\n\n'
    echo "Command 'drbdmeta 0 v08 /dev/vdb1 internal create-md' terminated with exit code 40" >&2
    exit 40 ;;
convert)
    printf '%s\n' "You want me to create a v09 style flexible-size internal meta data block." \
        "There appears to be a v08 flexible-size internal meta data block" \
        "already in place on /dev/vdb1 at byte offset 66056192" >&2
    if confirmed "Valid v08 meta-data found, convert to v09?"; then echo "Converting meta data..."; created; fi
    confirmed "So you want me to replace the v08 meta-data
with newly initialized v09 meta-data?" || { echo "Operation cancelled."; exit 1; }
    created ;;
unknown-question)
    confirmed "Do you want to change the activity log stripe settings *only*?" && { echo "answered yes"; exit 30; }
    echo "Operation cancelled."; exit 1 ;;
*) echo "unknown scenario $1" >&2; exit 2 ;;
esac
