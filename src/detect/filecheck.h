/* The filecheck analyzer (registered in analyzer.h): findings about what a
 * file is and where it sits rather than what patterns its bytes hold.
 *
 *   ssh-authorized-key   each key of an authorized_keys / authorized_keys2
 *                        file (backdoor, high, strong); evidence is the line
 *                        `ssh-keygen -l` prints for it
 *   passwd-uid0-user     a user other than root with uid 0 in etc/passwd
 *                        (backdoor, high)
 *   setuid-file          a setuid/setgid executable that no package database
 *                        vouches for (backdoor, medium; dropped when vouched)
 *   ld-so-preload        etc/ld.so.preload present (backdoor, high: the
 *                        process-hiding rootkits that ship with miners)
 *   persistence-cron,    cron entries (etc/crontab, etc/cron.d/, var/spool/cron/)
 *   persistence-systemd  and systemd units (etc/systemd/system/) that the
 *                        engine found something in or that run from /tmp,
 *                        /var/tmp, /dev/shm or a hidden directory (backdoor, high)
 *   executable-in-tmp    an ELF or script with an x bit under tmp/, var/tmp/,
 *                        dev/shm/ (suspicious-build, medium)
 *   (ssh-host-key)       etc/ssh/ssh_host_*_key: the rule ssh-host-key of the
 *                        secrets pack reports the key (parsed) as one every
 *                        container shares; any secret finding of the engine in
 *                        such a file is capped at medium, not strong
 *   upx-packed-elf       an ELF carrying the UPX! marker (suspicious-build, low)
 *   shell-history-file   a non-empty shell or REPL history (secret, info) */
#ifndef DREDGE_FILECHECK_H
#define DREDGE_FILECHECK_H

#include "util/limits.h"

#include <stddef.h>

/* Parses one authorized_keys line (options allowed). Writes what
 * `ssh-keygen -l` prints for the key ("256 SHA256:… comment (ED25519)") to
 * out and the sha256 of the key blob as "sha256:<hex>" to digest. Returns 0,
 * or DR_ENOTFOUND when the line holds no key. */
int filecheck_ssh_key(char *out, size_t size, char digest[72], const char *line, size_t len);

#endif
