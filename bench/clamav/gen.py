#!/usr/bin/env python3
"""Writes dredge-equiv.ndb and dredge-equiv.ldb: ClamAV signatures equivalent
to a subset of dredge's built-in content rules (literal markers as body
signatures, regex rules as logical signatures with a literal trigger and a
PCRE sub-signature). Rerun after editing; the outputs are committed."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def hx(s):
    return s.encode().hex()


NDB = {
    "Miner.XMRig.Donate": "donate.v2.xmrig.com",
    "Miner.Stratum.TCP": "stratum+tcp://",
    "Miner.Stratum.SSL": "stratum+ssl://",
    "Miner.Pool.SupportXMR": "pool.supportxmr.com",
    "Miner.Pool.MineXMR": "minexmr.com",
    "Miner.Pool.Nanopool": "nanopool.org",
    "Miner.Pool.MoneroOcean": "moneroocean.stream",
    "Miner.Pool.Ethermine": "ethermine.org",
    "Miner.Pool.Minergate": "minergate.com",
    "Miner.Pool.Unmineable": "unmineable.com",
    "Miner.Pool.C3pool": "c3pool.com",
    "Miner.Pool.Hashvault": "hashvault.pro",
    "Key.RSA": "-----BEGIN RSA PRIVATE KEY-----",
    "Key.OpenSSH": "-----BEGIN OPENSSH PRIVATE KEY-----",
    "Key.PKCS8": "-----BEGIN PRIVATE KEY-----",
    "Key.EC": "-----BEGIN EC PRIVATE KEY-----",
    "Key.DSA": "-----BEGIN DSA PRIVATE KEY-----",
    "Key.Encrypted": "-----BEGIN ENCRYPTED PRIVATE KEY-----",
    "Key.PGP": "-----BEGIN PGP PRIVATE KEY BLOCK-----",
    "Key.PuTTY": "PuTTY-User-Key-File-",
    "Backdoor.DevTcp": "/dev/tcp/",
    "Backdoor.PreloadTmp": "LD_PRELOAD=/tmp/",
    "Backdoor.PreloadShm": "LD_PRELOAD=/dev/shm/",
    "Build.UnsetHistfile": "unset HISTFILE",
    "Build.Setenforce": "setenforce 0",
    "Secret.SlackWebhook": "hooks.slack.com/services/",
}

# (name, literal trigger, PCRE)
LDB = [
    ("Miner.XMRig", None, None),
    ("Miner.Cpuminer", None, None),
    ("Miner.Config", None, None),
    ("Secret.AWSKeyId", "AKIA", r"\b(AKIA|ASIA)[A-Z2-7]{16}\b"),
    ("Secret.AWSSecret", "ecret", r"aws_?secret_?access_?key[\"']?\s*[:=]\s*[\"']?[A-Za-z0-9/+=]{40}\b"),
    ("Secret.GitHub", "gh", r"\bgh[pousr]_[A-Za-z0-9]{36,255}\b"),
    ("Secret.GitLab", "glpat-", r"\bglpat-[A-Za-z0-9_\-]{20}\b"),
    ("Secret.Npm", "npm_", r"\bnpm_[A-Za-z0-9]{36}\b"),
    ("Secret.GoogleAPI", "AIza", r"\bAIza[0-9A-Za-z_\-]{35}\b"),
    ("Secret.Slack", "xox", r"\bxox[baprs]-[0-9A-Za-z\-]{10,250}"),
    ("Secret.Stripe", "_live_", r"\b(sk|rk)_live_[0-9A-Za-z]{24,99}\b"),
    ("Secret.JWT", "eyJ", r"\beyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}"),
    ("Secret.UrlCreds", "://", r"[a-z][a-z0-9+.\-]{1,20}://[^\s:@/]{1,64}:[^\s:@/]{3,64}@[a-z0-9.\-]+"),
    ("Secret.Password", "ass", r"(password|passwd|pwd)[\"']?\s*[:=]\s*[\"'][^\"'\s]{8,64}[\"']"),
    ("Backdoor.Netcat", "nc", r"\b(nc|ncat|netcat)\b[^\n|;&]{0,80}\s(-e|-c)\s*[\"']?(/bin/|/usr/bin/)?(ba|z|k|da)?sh\b"),
    ("Backdoor.CurlPipeSh", "curl", r"\bcurl\b[^\n|;]{0,300}\|\s*(sudo\s+)?(/bin/|/usr/bin/)?(ba|z|da|k)?sh\b"),
    ("Backdoor.WgetPipeSh", "wget", r"\bwget\b[^\n|;]{0,300}\|\s*(sudo\s+)?(/bin/|/usr/bin/)?(ba|z|da|k)?sh\b"),
    ("Backdoor.Base64Sh", "base64", r"\bbase64\s+(-d|--decode)\b[^\n|;]{0,100}\|\s*(ba|z|da|k)?sh\b"),
    ("Miner.PoolOption", "stratum", r"(-o|--url|--pool)[= ]+[\"']?stratum2?\+(tcp|ssl|tls|udp)://[a-z0-9_.\-]+"),
]

with open(os.path.join(HERE, "dredge-equiv.ndb"), "w") as f:
    for name, lit in NDB.items():
        f.write("Dredge.%s:0:*:%s\n" % (name, hx(lit)))

with open(os.path.join(HERE, "dredge-equiv.ldb"), "w") as f:
    xm = ["xmrig", "--donate-level", "donate-over-proxy", "rx/0", "cn/r", "argon2/chukwa",
          "RandomX", "cryptonight", "--cpu-priority", "randomx-mode", "stratum+tcp"]
    f.write("Dredge.Miner.XMRig;Engine:81-255,Target:0;0&(1|2|3|4|5|6|7|8|9|10)>2;%s\n"
            % ";".join(hx(s) for s in xm))
    cm = ["minerd", "URL of mining server", "sha256d", "scrypt(1024", "stratum+tcp",
          "--algo=ALGO", "--no-getwork", "yay!!!"]
    f.write("Dredge.Miner.Cpuminer;Engine:81-255,Target:0;0&(1|2|3|4|5|6|7)>2;%s\n"
            % ";".join(hx(s) for s in cm))
    mc = ['"pools"', '"url"', '"user"', '"donate-level"']
    f.write("Dredge.Miner.Config;Engine:81-255,Target:0;0&1&2&3;%s\n" % ";".join(hx(s) for s in mc))
    for name, trig, pcre in LDB:
        if trig is None:
            continue
        # '/' closes the PCRE and ';' separates ldb fields: escape both
        pcre = pcre.replace("/", r"\/").replace(";", r"\x3b")
        f.write("Dredge.%s;Engine:81-255,Target:0;0&1;%s;0/%s/\n" % (name, hx(trig), pcre))
