#!/usr/bin/env python3
"""Synthesises a labelled Docker Hub repository dump (JSONL, the API's
repository objects) after the public descriptions of the imageless-repository
campaigns: Downloader (pirated software and game cheats behind fake URL
shorteners, Google open redirects and, in a later wave, blogger hops), eBook
phishing ("free PDF/EPUB" lures to a card-harvesting page), Website SEO (one
repository per generated account, the same repository name everywhere,
harmless random phrases and one link), a small casino/pharma spam group, and
benign repositories: imageless placeholders, docs-only repositories, mirrors,
deprecated repositories pointing to their new home, and image-bearing
repositories with ordinary READMEs (some with confounding words: torrent
clients, password crackers, eBook managers, media streamers).

Every object carries "_label": {"class": phishing|spam|clean, "campaign":
downloader|ebook-phishing|website-seo|other|null} (dredge ignores unknown
fields). Deterministic for a given --seed.

usage: gen-hub-corpus.py [--count N] [--seed S] [--out FILE]
"""
import argparse
import json
import random
import sys
import time
import urllib.parse

# --- vocabularies -----------------------------------------------------------
SYLL = ["ba", "ca", "da", "fe", "gi", "lo", "mu", "na", "pe", "ri", "sa", "to", "vu",
        "syn", "la", "pool", "cus", "cu", "fi", "ro", "li", "re", "tam", "mer", "dor",
        "kel", "vin", "zo", "pra", "tel", "nol", "gar", "bri", "sel", "mon", "quo"]
FIRST = ["Liam", "Olivia", "Noah", "Emma", "Ava", "Lucas", "Mia", "Ethan", "Sofia", "Mason",
         "Harper", "Logan", "Ella", "Jacob", "Aria", "Leo", "Chloe", "Owen", "Zoe", "Isaac",
         "Nora", "Caleb", "Ruby", "Hugo", "Iris", "Felix", "Ada", "Ivan", "Lena", "Marco"]
LAST = ["Smith", "Garcia", "Martin", "Rossi", "Novak", "Kowalski", "Dubois", "Jensen",
        "Silva", "Nguyen", "Fischer", "Moreau", "Ivanova", "Tanaka", "Okafor", "Brown"]
JOBS = ["accountant", "baker", "nurse", "software tester", "plumber", "teacher", "architect",
        "dental hygienist", "web designer", "electrician", "chef", "librarian", "pilot",
        "marketing manager", "geologist", "physiotherapist", "carpenter", "journalist"]
PLACES = ["Sainte-Foy", "Leeds", "Porto", "Ottawa", "Kraków", "Tucson", "Lyon", "Hamilton",
          "Brno", "Cork", "Perth", "Malmö", "Bergen", "Austin", "Ghent", "Dunedin"]
HOBBIES = ["fishing", "model railways", "knitting", "bird watching", "cooking", "hiking",
           "photography", "gardening", "chess", "cycling", "pottery", "skateboarding",
           "astronomy", "baking", "rock climbing", "calligraphy", "archery", "juggling"]
PRODUCTS = ["Adobe Photoshop CC", "Autodesk AutoCAD", "CorelDRAW Graphics Suite", "FL Studio",
            "Microsoft Office", "Windows 10 Pro", "Wondershare Filmora", "IDM Internet Download Manager",
            "Sony Vegas Pro", "Avast Premier", "Camtasia Studio", "Ableton Live", "SketchUp Pro",
            "Nero Burning ROM", "Cisco IOS 9300", "VMware Workstation", "Malwarebytes Premium",
            "Tally ERP 9", "Revit Architecture", "Lightroom Classic", "EaseUS Data Recovery",
            "Driver Booster Pro", "Sibelius Ultimate", "Rosetta Stone", "Kaspersky Total Security"]
GAMES = ["Fortnite", "Roblox", "PUBG Mobile", "Clash of Clans", "GTA V", "Minecraft",
         "Valorant", "Apex Legends", "Pokemon Go", "Brawl Stars", "Free Fire", "8 Ball Pool",
         "Subway Surfers", "Call of Duty Warzone", "Genshin Impact", "Candy Crush Saga"]
CURRENCY = ["coins", "gems", "V-Bucks", "Robux", "diamonds", "gold", "credits", "UC"]
BOOK_ADJ = ["Silent", "Broken", "Hidden", "Last", "Crimson", "Secret", "Lost", "Golden",
            "Midnight", "Forgotten", "Wild", "Burning", "Quiet", "Distant", "Final"]
BOOK_NOUN = ["Garden", "Empire", "River", "Kingdom", "Witness", "Promise", "Shadow", "Island",
             "Letters", "Orchard", "Winter", "Daughter", "Algorithm", "Covenant", "Harbor"]
BOOK_GENRE = ["thriller", "romance", "biography", "self-help guide", "cookbook", "fantasy novel",
              "textbook", "memoir", "mystery", "history book"]
REAL_SHORTENERS = ["bitly", "tinyurl", "cuttly", "shorturl", "rebrandly", "shorte"]
TLDS_CAMPAIGN = ["com", "xyz", "site", "online", "top", "info", "club", "net"]
PROJECTS = [("nginx-proxy", "reverse proxy"), ("pgbouncer", "PostgreSQL connection pooler"),
            ("fluent-bit", "log processor"), ("minio-client", "object storage client"),
            ("redis-exporter", "Prometheus exporter for Redis"), ("gitea", "self-hosted Git service"),
            ("keycloak", "identity and access management"), ("traefik", "edge router"),
            ("airflow", "workflow scheduler"), ("grafana-agent", "telemetry collector"),
            ("vaultwarden", "password manager server"), ("nextcloud", "file sync server"),
            ("mosquitto", "MQTT broker"), ("home-assistant", "home automation"),
            ("sonarqube", "code quality server"), ("jupyter-lab", "notebook environment"),
            ("rabbitmq-tools", "message broker utilities"), ("openldap", "directory server")]
CONFOUNDERS = [
    ("qbittorrent", "qBittorrent, a BitTorrent client with a web UI. Add torrents, download "
     "Linux ISOs and manage them from the browser.", ["qbittorrent.org"]),
    ("calibre", "Calibre is a powerful eBook manager. Convert between EPUB, MOBI and PDF, "
     "read books online with calibre-web and send them to your Kindle.", ["calibre-ebook.com"]),
    ("hashcat", "hashcat, the world's fastest password cracking utility, for authorised "
     "security testing. Supports GPU acceleration and rule-based attacks to crack hashes.",
     ["hashcat.net"]),
    ("jellyfin", "Jellyfin media server: stream your movies and TV shows, watch live TV and "
     "recordings in HD on any device.", ["jellyfin.org"]),
    ("gotenberg", "A developer-friendly API to convert HTML, Markdown and Office documents "
     "to PDF. Free download of the binary for Windows 10 64-bit is also available.",
     ["gotenberg.dev"]),
    ("pokerth-server", "Dedicated server for PokerTH, an open source Texas hold'em poker game.",
     ["pokerth.net"]),
    ("hugo", "Hugo, the static site generator. Build blazing fast websites from Markdown.",
     ["gohugo.io"]),
]

# --- helpers ----------------------------------------------------------------

def slug(s):
    out = []
    for ch in s.lower():
        out.append(ch if ch.isalnum() else "-")
    return "-".join(filter(None, "".join(out).split("-")))


def word(r, n=None):
    return "".join(r.choice(SYLL) for _ in range(n or r.randint(2, 4)))


USED_ACCOUNTS = set()


def gen_account(r):
    """A fresh throw-away account: never reused by another campaign."""
    while True:
        ns = _gen_account(r)
        if ns not in USED_ACCOUNTS:
            USED_ACCOUNTS.add(ns)
            return ns


def _gen_account(r):
    k = r.random()
    if k < 0.75:
        return word(r, r.randint(3, 4)) + str(r.randint(1955, 2004))
    if k < 0.9:
        cons = "bcdfghjklmnpqrstvwxz"
        return "".join(r.choice(cons + "aeiou" if i % 4 == 3 else cons) for i in range(r.randint(9, 13)))
    return "".join(r.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(r.randint(9, 12)))


def benign_account(r):
    k = r.random()
    f, l = r.choice(FIRST).lower(), r.choice(LAST).lower()
    if k < 0.3:
        return f + l
    if k < 0.45:
        return f[0] + l
    if k < 0.6:
        return f + str(r.randint(1970, 2001))   # real people use birth years too
    if k < 0.8:
        return r.choice(["acme", "contoso", "initech", "globex", "umbrella", "hooli", "vandelay",
                         "wayne", "stark", "tyrell"]) + r.choice(["", "corp", "labs", "io", "-dev"])
    return r.choice(["devops", "platform", "infra", "data", "ml", "sre"]) + "-" + l


def fake_shortener(r):
    """A look-alike of a well-known shortener: one or two character edits."""
    base = list(r.choice(REAL_SHORTENERS))
    for _ in range(r.randint(1, 2)):
        i = r.randrange(len(base))
        op = r.random()
        if op < 0.5:
            base[i] = {"i": "l", "l": "i", "t": "l", "y": "i", "u": "v", "o": "0", "r": "n"}.get(base[i], "l")
        elif op < 0.8:
            base.insert(i, base[i])
        else:
            base.insert(i, r.choice("lity"))
    return "".join(base) + "." + r.choice(["com", "net", "co", "xyz"])


def short_code(r):
    return "".join(r.choice("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(r.randint(5, 7)))


def gtime(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%06dZ" % (int(t * 1e6) % 1000000)


def case(r, s):
    k = r.random()
    if k < 0.15:
        return s.upper()
    if k < 0.4:
        return s.title()
    return s


def filler(r, n):
    words = ("the best way to get it is here and it works on all systems with fast speed and "
             "no virus many users say it is easy to use with new features and tools you need "
             "today for home and work get started in minutes it is safe and trusted").split()
    out = []
    for _ in range(n):
        k = r.randint(8, 18)
        s = " ".join(r.choice(words) for _ in range(k))
        out.append(s[0].upper() + s[1:] + r.choice([".", ".", "!", "..."]))
    return " ".join(out)

# --- campaign link forms ----------------------------------------------------

class Wave:
    """Per-campaign infrastructure: its own shortener look-alikes and landing domains."""

    def __init__(self, r, n_short, n_land, land_words):
        self.shorteners = [fake_shortener(r) for _ in range(n_short)] + \
            r.sample(["tlniurl.com", "blltly.com"], 1)
        self.landing = ["%s%s.%s" % (r.choice(land_words), r.choice(["", "-", "hub", "zone", "now"]) + word(r, 1),
                                     r.choice(TLDS_CAMPAIGN)) for _ in range(n_land)]


def downloader_link(r, wave, blogger, slugtext):
    if blogger:
        blog = "https://%s-%s.blogspot.com/" % (slugtext[:40].strip("-"), r.randint(10, 99))
        k = r.random()
        if k < 0.4:
            return blog
        if k < 0.7:
            return "https://www.blogger.com/blogin.g?blogspotURL=" + urllib.parse.quote(blog, safe="")
        return blog + r.choice(["p/download.html", "%d/%02d/%s.html" % (r.randint(2021, 2023), r.randint(1, 12), slugtext[:30])])
    s = "https://%s/%s" % (r.choice(wave.shorteners), short_code(r))
    k = r.random()
    if k < 0.45:
        return "https://www.google.com/url?q=%s&sa=D&sntz=1&usg=AOvVaw%s" % (urllib.parse.quote(s, safe=""), short_code(r) * 2)
    if k < 0.6:
        return "https://www.google.%s/url?sa=t&url=%s" % (r.choice(["com", "co.uk", "de", "fr", "com.br"]), urllib.parse.quote(s, safe=""))
    if k < 0.85:
        return s
    return s.replace("https://", "")  # bare host/path, no scheme


def render_link(r, url, text, style):
    if style == "md":
        return "[%s](%s)" % (text, url)
    if style == "html":
        return '<a href="%s" rel="nofollow">%s</a>' % (url, text)
    if style == "auto":
        return "<%s>" % url if url.startswith("http") else url
    return "%s: %s" % (text, url)

# --- generators per class ---------------------------------------------------

def downloader(r, wave, blogger):
    if r.random() < 0.7:
        prod = r.choice(PRODUCTS)
        ver = r.choice(["2019", "2020", "2021", "2022", "2023", "v%d.%d" % (r.randint(1, 25), r.randint(0, 9)), "X8", "CC 2019"])
        what = r.choice(["crack", "cracked", "keygen", "serial key", "activation key", "license key",
                         "patch", "activator", "product key", "crack + serial number", "pre-activated"])
        title = "%s %s %s" % (prod, ver, what)
        extra = r.choice(["full version free download", "free download full version", "download for PC",
                          "for windows 10 64 bit", "latest version torrent", "portable free download",
                          "with registration code", "+ keygen full download"])
    else:
        game = r.choice(GAMES)
        cur = r.choice(CURRENCY)
        title = "%s %s" % (game, r.choice(["cheat engine", "hack", "mod apk", "aimbot", "cheats",
                                          "%s generator" % cur, "unlimited %s" % cur, "free %s" % cur]))
        extra = r.choice(["no survey no human verification", "working %d" % r.randint(2021, 2023),
                          "android ios", "undetected download", "online generator"])
    name = slug(title + " " + extra)[:r.randint(30, 70)].strip("-")
    tpl = r.randrange(5)
    style = r.choice(["md", "md", "html", "plain", "auto"])
    links = [downloader_link(r, wave, blogger, name) for _ in range(r.randint(1, 4))]
    head = case(r, title + " " + extra)
    if tpl == 0:
        body = "# %s\n\n%s\n\n" % (head, filler(r, r.randint(2, 8)))
        for i, u in enumerate(links, 1):
            body += "**MIRROR%d** %s\n\n" % (i, render_link(r, u, r.choice(["Download", "DOWNLOAD HERE", "Get it"]), style))
    elif tpl == 1:
        body = "%s\n\n%s\n\nFAST MIRRORS:\n%s\n" % (head, filler(r, r.randint(1, 5)),
                                                    "\n".join("- " + render_link(r, u, "mirror %d" % (i + 1), style) for i, u in enumerate(links)))
    elif tpl == 2:
        body = "<h2>%s</h2><p>%s</p><p>%s</p>" % (head, filler(r, r.randint(2, 6)),
                                               " | ".join(render_link(r, u, "Download Link %d" % (i + 1), "html") for i, u in enumerate(links)))
    elif tpl == 3:
        body = "%s\n\n➤ %s\n\n%s\n\n➤ %s" % (head, render_link(r, links[0], "Click here", style),
                                          filler(r, r.randint(3, 10)), "  ".join(links[1:] or links))
    else:
        body = "%s!!! %s\n%s\n%s\n" % (head, filler(r, r.randint(1, 3)),
                                      "Direct download: " + links[0],
                                      "\n".join(render_link(r, u, "Alternative link", style) for u in links[1:]))
    desc = r.choice([head, head[:100], "", case(r, title)])[:100]
    return name, desc, body


def ebook(r, wave):
    title = "%s %s %s" % (r.choice(["The", "A", "Our", ""]), r.choice(BOOK_ADJ), r.choice(BOOK_NOUN))
    title = title.strip()
    author = "%s %s" % (r.choice(FIRST), r.choice(LAST))
    fmt = r.sample(["PDF", "EPUB", "Kindle", "MOBI", "audiobook", "eBook"], r.randint(2, 4))
    isbn = "978-%d-%d-%d-%d" % (r.randint(0, 9), r.randint(100, 999), r.randint(10000, 99999), r.randint(0, 9))
    land = "https://%s/%s" % (r.choice(wave.landing), r.choice(["book", "read", "download", "ebook", "dl"]) +
                              "/" + slug(title))
    if r.random() < 0.3:
        land = "https://%s/%s" % (r.choice(wave.shorteners), short_code(r))
    name = slug(r.choice(["%s pdf", "%s epub", "download %s", "read %s online", "%s free ebook",
                          "%s by " + author]) % title)[:60].strip("-")
    style = r.choice(["md", "html", "plain"])
    tpl = r.randrange(4)
    fmts = ", ".join(fmt)
    if tpl == 0:
        body = "# %s\n\n**Author:** %s\n**ISBN:** %s\n**Format:** %s\n\n%s\n\n%s" % (
            case(r, "Download %s %s free" % (title, fmt[0])), author, isbn, fmts,
            "A gripping %s. %s" % (r.choice(BOOK_GENRE), filler(r, r.randint(1, 3))),
            render_link(r, land, r.choice(["Download PDF", "READ ONLINE", "Get the eBook"]), style))
    elif tpl == 1:
        body = "%s by %s (%s) - free download %s.\n\n%s\n\n%s" % (
            title, author, isbn, fmts, render_link(r, land, "Read Online", style),
            render_link(r, land.replace("https", "http"), "Download " + fmt[0], style))
    elif tpl == 2:
        body = "<p><b>%s</b> – %s</p><p>Read %s online or download the %s for free.</p><p>%s</p>" % (
            title, author, title, fmt[0], render_link(r, land, "Download ebook", "html"))
    else:
        body = "📚 %s\n✍ %s\nFormats: %s\n%s\n%s" % (case(r, title), author, fmts,
                                                   r.choice(["Read online free:", "Download free book:", "Free eBook:"]), land)
    desc = case(r, "%s %s download" % (title, fmt[0]))[:100]
    return name, desc, body


def seo(r, repo_name):
    site = "https://www.%s%s.%s/" % (r.choice(["best", "top", "my", "the", "go", ""]),
                                     word(r, r.randint(2, 3)), r.choice(["com", "net", "org", "info", "co"]))
    if r.random() < 0.3:
        site += r.choice(["services", "about", "blog/%s" % word(r, 2), "?ref=%d" % r.randint(1, 999)])
    age = r.randint(19, 65)
    job = r.choice(JOBS)
    first = r.choice(FIRST)
    place = r.choice(PLACES)
    hob = r.sample(HOBBIES, r.randint(1, 3))
    k = r.randrange(4)
    if k == 0:
        text = "%d year old %s %s from %s has %s." % (age, job, first, place, " and ".join(hob))
    elif k == 1:
        text = "%s is a %d years old %s living in %s. Hobbies include %s." % (first, age, job, place, ", ".join(hob))
    elif k == 2:
        text = "Hi, I'm %s, %s in %s (%d). I enjoy %s." % (first, job, place, age, " & ".join(hob))
    else:
        text = "%s, %d, works as a %s in %s and spends free time on %s." % (first, age, job, place, ", ".join(hob))
    style = r.choice(["md", "html", "plain", "auto"])
    text += " " + r.choice(["", "Check out ", "Visit my page: ", "More: "]) + render_link(r, site, r.choice(["website", "my site", "here", site]), style)
    desc = text[:100] if r.random() < 0.5 else ""
    return repo_name, desc, text


def other_spam(r, land):
    kind = r.random()
    if kind < 0.5:
        game = r.choice(["online casino", "slots", "poker", "roulette", "sports betting"])
        head = case(r, "Best %s %s - %s" % (game, r.choice(["bonus code", "free spins", "no deposit bonus", "welcome bonus"]), r.choice(["2022", "2023", "USA", "UK"])))
        body = "%s\n\n%s\n\n%s" % (head, "Play %s and win the jackpot. %s" % (game, filler(r, 1)),
                                   render_link(r, "https://%s/?aff=%d" % (land, r.randint(1, 9999)), "Claim bonus", r.choice(["md", "html"])))
    else:
        pill = r.choice(["Viagra", "Cialis", "Tramadol", "Xanax", "Keto pills", "CBD gummies"])
        head = case(r, "Buy %s online %s" % (pill, r.choice(["without prescription", "cheap", "no prescription needed", "overnight delivery"])))
        body = "%s\n\n%s\n\n%s" % (head, "Our online pharmacy ships worldwide. %s" % filler(r, 1),
                                   render_link(r, "https://%s/%s" % (land, slug(pill)), "Order now", r.choice(["md", "html", "plain"])))
    return slug(head)[:50].strip("-"), head[:100], body


def benign_imageless(r, ns):
    proj, what = r.choice(PROJECTS)
    k = r.randrange(6)
    if k == 0:
        return proj, "", ""
    if k == 1:
        return proj, "Placeholder for the %s image" % proj, "This repository is reserved for the %s %s. Images will be pushed here once the first release is built. Source code: https://github.com/%s/%s" % (proj, what, ns, proj)
    if k == 2:
        return proj + "-docs", "Documentation for %s" % proj, "# %s documentation\n\nSee [the docs](https://%s.readthedocs.io/en/latest/) and the [GitLab project](https://gitlab.com/%s/%s). Issues: https://gitlab.com/%s/%s/-/issues" % (proj, proj, ns, proj, ns, proj)
    if k == 3:
        new = r.choice(["ghcr.io/%s/%s" % (ns, proj), "quay.io/%s/%s" % (ns, proj), "%s/%s-server" % (ns, proj)])
        return proj, "DEPRECATED: moved to %s" % new, "**This image is deprecated** and no longer maintained.\n\nPlease use `%s` instead. The new image has the same tags and configuration; see the [migration notes](https://github.com/%s/%s/blob/main/MIGRATION.md)." % (new, ns, proj)
    if k == 4:
        return proj + "-mirror", "Mirror of %s" % proj, "Mirror of the upstream %s (%s) images for use inside our network. Upstream: https://github.com/%s/%s. Built by our CI; see https://%s.example.org/docs for the internal setup." % (proj, what, proj, proj, ns)
    if r.random() < 0.5:
        # a personal or company site under another name than the account
        blog = "https://%s.%s/%s" % (word(r, 2), r.choice(["dev", "io", "net", "me", "blog"]),
                                     r.choice(["posts/%s" % proj, "projects", "", "about"]))
        return proj, "", r.choice([
            "Personal builds of %s (%s). Notes on how I configure and run it: %s" % (proj, what, blog),
            "Work in progress: container image for %s. Follow the release on %s" % (proj, blog),
            "%s image for our team. Usage and environment variables are documented at %s" % (proj, blog)])
    site = "https://www.%s.com/" % ns.replace("-", "")
    return proj, "%s by %s" % (proj, ns), "The %s %s image by %s will be published here soon. Product page and documentation: %s\n\nContact our support team for early access builds and the licence terms." % (proj, what, ns, site)


def benign_images(r, ns):
    if r.random() < 0.25:
        name, text, sites = r.choice(CONFOUNDERS)
    else:
        name, what = r.choice(PROJECTS)
        text = "%s is a %s packaged as a container image." % (name, what)
        sites = ["%s.io" % name.replace("-", ""), "%s.org" % name.split("-")[0]]
    site = r.choice(sites)
    body = "# %s\n\n[![Build](https://img.shields.io/github/actions/workflow/status/%s/%s/ci.yml)](https://github.com/%s/%s/actions)\n\n%s\n\n" % (name, ns, name, ns, name, text)
    body += "## Usage\n\n```sh\ndocker run -d -p 8080:8080 -v data:/data -e TZ=UTC %s/%s:latest\n```\n\n" % (ns, name)
    body += "| Variable | Default | Description |\n|---|---|---|\n| `PORT` | 8080 | listen port |\n| `LOG_LEVEL` | info | verbosity |\n\n"
    if r.random() < 0.5:
        body += "<p align=\"center\"><a href=\"https://%s\"><img src=\"https://%s/logo.png\" width=\"120\"></a></p>\n\n" % (site, site)
    body += "## Links\n\n- Website: https://%s\n- Documentation: https://docs.%s\n- Source: https://github.com/%s/%s\n- Issues: https://github.com/%s/%s/issues\n\n" % (site, site, ns, name, ns, name)
    body += "## License\n\nApache-2.0, see [LICENSE](https://www.apache.org/licenses/LICENSE-2.0).\n"
    return name, text[:100], body

# --- main -------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=6000)
    ap.add_argument("--seed", type=int, default=20240501)
    ap.add_argument("--out", default="-")
    a = ap.parse_args()
    r = random.Random(a.seed)
    out = sys.stdout if a.out == "-" else open(a.out, "w", encoding="utf-8")
    n = a.count
    mix = [("downloader", 0.25), ("ebook", 0.15), ("seo", 0.13), ("other", 0.03),
           ("imageless", 0.19), ("images", 0.25)]
    counts = {k: int(n * f) for k, f in mix}
    counts["images"] += n - sum(counts.values())
    base = 1617235200  # 2021-04-01
    seen = set()

    def emit(ns, name, desc, full, created, label_class, campaign, tags, pulls):
        key = (ns, name)
        i = 2
        while key in seen:
            key = (ns, "%s-%d" % (name, i))
            i += 1
        seen.add(key)
        obj = {"namespace": key[0], "name": key[1], "description": desc, "full_description": full,
               "date_registered": gtime(created), "last_updated": gtime(created + 60) if tags else None,
               "pull_count": pulls, "star_count": 0 if not tags else r.randint(0, 500),
               "status": 1, "is_private": False, "repository_type": "image" if tags else None,
               "media_types": ["application/vnd.oci.image.index.v1+json"] if tags else [],
               "content_types": ["image"] if tags else [], "tag_count": tags,
               "_label": {"class": label_class, "campaign": campaign}}
        out.write(json.dumps(obj, ensure_ascii=False) + "\n")

    # Downloader: two waves with their own infrastructure; 150-250 repos per account.
    waves = [(Wave(r, 4, 0, []), False, base), (Wave(r, 3, 0, []), True, base + 2 * 365 * 86400)]
    left = counts["downloader"]
    while left > 0:
        wave, blogger, t0 = r.choice(waves)
        ns = gen_account(r)
        t = t0 + r.randint(0, 120 * 86400)
        for _ in range(min(left, r.randint(150, 250))):
            name, desc, full = downloader(r, wave, blogger)
            t += r.randint(2, 40)
            emit(ns, name, desc, full, t, "phishing", "downloader", 0, r.choice([0, 0, 0, 1]))
            left -= 1
    # eBook phishing: few accounts, very many repositories each.
    ewave = Wave(r, 2, 6, ["ebook", "readfree", "bookhub", "pdfdrive", "libro", "novelcloud"])
    left = counts["ebook"]
    while left > 0:
        ns = gen_account(r)
        t = base + 60 * 86400 + r.randint(0, 90 * 86400)
        for _ in range(min(left, r.randint(300, 1200))):
            name, desc, full = ebook(r, ewave)
            t += r.randint(1, 20)
            emit(ns, name, desc, full, t, "phishing", "ebook-phishing", 0, 0)
            left -= 1
    # Website SEO: one repository per account, same name, trickle over years.
    t = base
    for i in range(counts["seo"]):
        ns = gen_account(r)
        repo_name = "website" if r.random() < 0.85 else "homepage"
        name, desc, full = seo(r, repo_name)
        t += r.randint(1, max(2, 2 * 900 * 86400 // max(1, counts["seo"])))  # over ~2.5 years
        emit(ns, name, desc, full, t, "spam", "website-seo", 0, 0)
    # Casino / pharma spam.
    lands = ["%s%s.%s" % (r.choice(["win", "lucky", "rx", "meds", "spin", "bet"]), word(r, 2), r.choice(TLDS_CAMPAIGN)) for _ in range(5)]
    left = counts["other"]
    while left > 0:
        ns = gen_account(r)
        t = base + r.randint(0, 700 * 86400)
        land = r.choice(lands)
        for _ in range(min(left, r.randint(10, 40))):
            name, desc, full = other_spam(r, land)
            t += r.randint(5, 300)
            emit(ns, name, desc, full, t, "spam", "other", 0, 0)
            left -= 1
    # Benign imageless.
    for _ in range(counts["imageless"]):
        ns = benign_account(r)
        name, desc, full = benign_imageless(r, ns)
        emit(ns, name, desc, full, base - 900 * 86400 + r.randint(0, 1800 * 86400), "clean", None,
             0, r.choice([0, 0, 3, 12]))
    # Image-bearing repositories with ordinary READMEs.
    for _ in range(counts["images"]):
        ns = benign_account(r)
        name, desc, full = benign_images(r, ns)
        emit(ns, name, desc, full, base - 900 * 86400 + r.randint(0, 1800 * 86400), "clean", None,
             r.randint(1, 80), r.randint(0, 5000000))
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
