/* The yara analyzer (registered in analyzer.h): the user's YARA rules
 * (scan_yara, `--yara`) run on every ELF, script and executable file of up
 * to YARA_FILE_MAX bytes (yara_file_eligible), buffered whole. A matching
 * rule is a finding `yara:<rule>` with the category, severity and strength
 * its metadata gives (yarascan.h); the evidence names the rule and the
 * strings that matched. */
#include "detect/analyzer.h"
#include "detect/yarascan.h"
#include "util/buf.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct yara_an {
	struct scan_ctx *sc;
	const struct yara_set *ys;
	const struct file_event *ev;
	bool active;
	bool decided;
	struct buf data;
};

static int ya_init(void **out, struct scan_ctx *sc)
{
	const struct yara_set *ys = scan_yara(sc);
	struct yara_an *ya;

	*out = NULL;
	if (!ys)
		return 0;
	ya = xcalloc(1, sizeof(*ya));
	ya->sc = sc;
	ya->ys = ys;
	*out = ya;
	return 0;
}

static int ya_file(void *st, const struct file_event *ev, bool *want)
{
	struct yara_an *ya = st;

	if (!ya)
		return 0;
	ya->active = ev->type == FT_REG && !ev->whiteout && !ev->opaque && ev->size > 0 &&
	             ev->size <= YARA_FILE_MAX;
	ya->decided = false;
	buf_reset(&ya->data);
	if (ya->active)
		*want = true;
	return 0;
}

static int ya_content(void *st, const struct file_event *ev, const void *data, size_t len)
{
	struct yara_an *ya = st;

	if (!ya || !ya->active)
		return 0;
	if (!ya->decided) {
		ya->decided = true;
		ya->active = yara_file_eligible(ev->path, ev->mode, data, len);
		if (!ya->active)
			return 0;
	}
	if (ya->data.len + len > YARA_FILE_MAX) {
		/* longer than announced: not scanned */
		ya->active = false;
		buf_reset(&ya->data);
		return 0;
	}
	buf_add(&ya->data, data, len);
	return 0;
}

static int on_match(void *ctx, const struct yara_match *m)
{
	struct yara_an *ya = ctx;
	const struct file_event *ev = ya->ev;
	char rule[300], title[400];
	struct buf evidence = BUF_INIT;
	struct finding f;

	snprintf(rule, sizeof(rule), "yara:%s", m->rule);
	snprintf(title, sizeof(title), "YARA rule '%s' matched", m->rule);
	buf_addf(&evidence, "%s%s%s", m->rule, m->strings[0] ? " " : "", m->strings);
	finding_init(&f, rule, m->category, m->severity, title);
	f.strong = m->strong;
	finding_add_location(&f, LOC_FILE, ev->layer_digest, (long)ev->layer_index, ev->path, 0,
	                     NULL);
	finding_set_evidence(&f, evidence.ptr, evidence.len);
	buf_release(&evidence);
	scan_report(ya->sc, &f);
	return 0;
}

static int ya_file_end(void *st, const struct file_event *ev)
{
	struct yara_an *ya = st;
	int rc = 0;

	if (!ya || !ya->active || !ya->decided)
		return 0;
	ya->ev = ev;
	rc = yara_set_scan(ya->ys, ya->data.ptr ? ya->data.ptr : "", ya->data.len, on_match, ya);
	ya->active = false;
	buf_reset(&ya->data);
	return rc;
}

static void ya_free(void *st)
{
	struct yara_an *ya = st;

	if (!ya)
		return;
	buf_release(&ya->data);
	free(ya);
}

const struct analyzer_ops analyzer_yara = {
    .name = "yara",
    .init = ya_init,
    .file = ya_file,
    .content = ya_content,
    .file_end = ya_file_end,
    .free = ya_free,
};
