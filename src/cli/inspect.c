/* dredge inspect: an image's manifest, config, layers and reconstructed
 * Dockerfile; with --walk every layer is streamed and verified. */
#include "cli/cli.h"
#include "cli/progress.h"
#include "image/image.h"
#include "image/walk.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/mono.h"
#include "util/strutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char inspect_usage[] =
    "usage: dredge inspect REF [--json] [--walk [--files]] [options]\n\n"
    "Shows the manifest digest, platform, config, layers (digest, media type, sizes,\n"
    "diff_id, the instruction that created it) and the Dockerfile reconstructed\n"
    "from history. REF: docker://HOST/NAME:TAG|@DIGEST, NAME[:TAG] (Docker Hub),\n"
    "docker-archive:FILE[:NAME:TAG|:@N], oci:DIR[:TAG], oci-archive:FILE[:TAG].\n\n"
    "  --json                        JSON (schema dredge.inspect/v1); an array with\n"
    "                                --all-platforms\n"
    "  --walk                        stream every layer: verify blob digests, sizes and\n"
    "                                diff_ids, count files\n"
    "  --files                       with --walk, list every tar entry (JSON: with the\n"
    "                                sha256 of each regular file)\n"
    "  --show-secrets                print Env values whose names look secret\n" CLI_IMAGE_USAGE;

struct inspect_ctx {
	bool files;
	bool json;
	json_t *file_list; /* JSON mode */
	struct sha256 file_hash;
	bool hashing;
};

/* Non-UTF-8 bytes are shown as \xNN so that the JSON stays valid. */
static json_t *json_bytes(const char *s)
{
	struct buf b = BUF_INIT;
	json_t *j;

	if (!s)
		return json_null();
	if (str_is_utf8(s, strlen(s)))
		return json_string(s);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x80)
			buf_addc(&b, (char)*p);
		else
			buf_addf(&b, "\\x%02x", *p);
	}
	j = json_string(b.ptr);
	buf_release(&b);
	return j;
}

static bool secret_name(const char *env)
{
	static const char *const words[] = {"PASS",       "SECRET", "TOKEN",   "KEY",
	                                    "CREDENTIAL", "AUTH",   "PRIVATE", "PWD"};
	size_t n = strcspn(env, "=");

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t w = strlen(words[i]);

		for (size_t k = 0; k + w <= n; k++)
			if (!strncasecmp(env + k, words[i], w))
				return true;
	}
	return false;
}

/* "NAME=value" with the value hidden when the name looks secret. */
static char *env_display(const char *env, bool show)
{
	struct buf b = BUF_INIT;
	const char *eq = strchr(env, '=');

	if (show || !eq || !eq[1] || !secret_name(env))
		return xstrdup(env);
	buf_add(&b, env, (size_t)(eq - env) + 1);
	buf_addf(&b, "<redacted, %zu chars>", strlen(eq + 1));
	return buf_detach(&b, NULL);
}

static json_t *json_strv(const struct strv *v)
{
	json_t *a;

	if (!v->set)
		return json_null();
	a = json_array();
	for (size_t i = 0; i < v->n; i++)
		json_array_append_new(a, json_bytes(v->v[i]));
	return a;
}

static const char *short_media_type(const char *mt)
{
	const char *p;

	if (!mt)
		return "?";
	p = strrchr(mt, '.');
	if (str_ends(mt, "tar+gzip") || str_ends(mt, "tar.gzip"))
		return "tar+gzip";
	if (str_ends(mt, "tar+zstd"))
		return "tar+zstd";
	if (str_ends(mt, ".tar"))
		return "tar";
	return p ? p + 1 : mt;
}

/* ---- walk sink for --files ----------------------------------------------- */

static json_t *file_json(const struct file_event *ev)
{
	json_t *f = json_object();
	char mode[8];

	snprintf(mode, sizeof(mode), "%04o", ev->mode);
	json_object_set_new(f, "layer", json_integer((json_int_t)ev->layer_index));
	json_object_set_new(f, "path", json_bytes(ev->path));
	json_object_set_new(f, "type",
	                    json_string(ev->whiteout ? "whiteout"
	                                : ev->opaque ? "opaque"
	                                             : file_type_name(ev->type)));
	json_object_set_new(f, "mode", json_string(mode));
	json_object_set_new(f, "uid", json_integer(ev->uid));
	json_object_set_new(f, "gid", json_integer(ev->gid));
	json_object_set_new(f, "size", json_integer((json_int_t)ev->size));
	if (ev->link_target)
		json_object_set_new(f, "link", json_bytes(ev->link_target));
	if (ev->type == FT_CHR || ev->type == FT_BLK) {
		json_object_set_new(f, "major", json_integer(ev->rdev_major));
		json_object_set_new(f, "minor", json_integer(ev->rdev_minor));
	}
	if (ev->unsafe_path)
		json_object_set_new(f, "unsafe_path", json_true());
	if (ev->non_utf8)
		json_object_set_new(f, "non_utf8", json_true());
	return f;
}

static int sink_file(void *ctx, const struct file_event *ev, bool *want)
{
	struct inspect_ctx *c = ctx;

	if (!c->json) {
		char mode[8];

		snprintf(mode, sizeof(mode), "%04o", ev->mode);
		printf("%zu %-8s %s %5lld:%-5lld %12llu %s%s%s\n", ev->layer_index,
		       ev->whiteout ? "whiteout"
		       : ev->opaque ? "opaque"
		                    : file_type_name(ev->type),
		       mode, (long long)ev->uid, (long long)ev->gid, (unsigned long long)ev->size,
		       ev->path, ev->link_target ? " -> " : "",
		       ev->link_target ? ev->link_target : "");
		return 0;
	}
	json_array_append_new(c->file_list, file_json(ev));
	if (ev->type == FT_REG && !ev->whiteout) {
		*want = true;
		sha256_init(&c->file_hash);
		c->hashing = true;
	}
	return 0;
}

static int sink_content(void *ctx, const struct file_event *ev, const void *data, size_t len)
{
	struct inspect_ctx *c = ctx;

	if (c->hashing)
		sha256_update(&c->file_hash, data, len);
	return 0;
}

static int sink_file_end(void *ctx, const struct file_event *ev)
{
	struct inspect_ctx *c = ctx;
	char d[DIGEST_STR_LEN];

	if (!c->hashing)
		return 0;
	sha256_final(&c->file_hash, d);
	c->hashing = false;
	json_object_set_new(json_array_get(c->file_list, json_array_size(c->file_list) - 1),
	                    "sha256", json_string(d));
	return 0;
}

/* ---- output -------------------------------------------------------------- */

static json_t *image_json(const struct image *img, bool walked, double seconds, bool show)
{
	const struct image_config *c = &img->config;
	json_t *o = json_object(), *cfg = json_object(), *layers = json_array();
	json_t *hist = json_array(), *labels = json_object(), *env = json_array();
	struct buf df = BUF_INIT;
	char plat[96];
	uint64_t csize = 0, usize = 0, entries = 0;

	json_object_set_new(o, "schema", json_string("dredge.inspect/v1"));
	json_object_set_new(o, "reference", json_string(img->src->display));
	json_object_set_new(o, "transport", json_string(img->src->ops->name));
	json_object_set_new(o, "manifest_digest",
	                    img->manifest_digest ? json_string(img->manifest_digest) : json_null());
	json_object_set_new(o, "manifest_media_type", json_bytes(img->manifest_media_type));
	json_object_set_new(o, "index_digest",
	                    img->index_digest ? json_string(img->index_digest) : json_null());
	json_object_set_new(o, "platform",
	                    json_string(platform_format(&img->platform, plat, sizeof(plat))));
	json_object_set_new(o, "config_digest", json_string(img->config_digest));
	json_object_set_new(o, "config_size", json_integer(img->config_size));

	json_object_set_new(cfg, "created", json_bytes(c->created));
	json_object_set_new(cfg, "author", json_bytes(c->author));
	json_object_set_new(cfg, "entrypoint", json_strv(&c->entrypoint));
	json_object_set_new(cfg, "cmd", json_strv(&c->cmd));
	for (size_t i = 0; i < c->env.n; i++) {
		char *e = env_display(c->env.v[i], show);

		json_array_append_new(env, json_bytes(e));
		free(e);
	}
	json_object_set_new(cfg, "env", env);
	json_object_set_new(cfg, "user", json_bytes(c->user ? c->user : ""));
	json_object_set_new(cfg, "working_dir", json_bytes(c->working_dir ? c->working_dir : ""));
	json_object_set_new(cfg, "exposed_ports", json_strv(&c->exposed_ports));
	json_object_set_new(cfg, "volumes", json_strv(&c->volumes));
	for (size_t i = 0; i < c->n_labels; i++) {
		json_t *v = json_bytes(c->labels[i].value);
		char *k = c->labels[i].key;

		if (str_is_utf8(k, strlen(k)))
			json_object_set_new(labels, k, v);
		else
			json_decref(v);
	}
	json_object_set_new(cfg, "labels", labels);
	json_object_set_new(o, "config", cfg);

	for (size_t i = 0; i < img->n_layers; i++) {
		const struct layer *l = &img->layers[i];
		json_t *lj = json_object();

		json_object_set_new(lj, "index", json_integer((json_int_t)i));
		json_object_set_new(lj, "digest", json_string(l->desc.digest));
		json_object_set_new(lj, "media_type", json_bytes(l->desc.media_type));
		json_object_set_new(lj, "size", json_integer(l->desc.size));
		json_object_set_new(lj, "diff_id", json_string(l->diff_id));
		json_object_set_new(lj, "created_by",
		                    l->history ? json_bytes(l->history->instruction) : json_null());
		if (walked) {
			json_object_set_new(lj, "uncompressed_size",
			                    json_integer((json_int_t)l->uncompressed_bytes));
			json_object_set_new(lj, "entries", json_integer((json_int_t)l->entries));
			json_object_set_new(lj, "files", json_integer((json_int_t)l->files));
			json_object_set_new(lj, "whiteouts",
			                    json_integer((json_int_t)l->whiteouts));
			json_object_set_new(lj, "verified", json_boolean(l->walked));
			csize += l->compressed_bytes;
			usize += l->uncompressed_bytes;
			entries += l->entries;
		}
		json_array_append_new(layers, lj);
	}
	json_object_set_new(o, "layers", layers);
	for (size_t i = 0; i < c->n_history; i++) {
		const struct history_entry *h = &c->history[i];
		json_t *hj = json_object();

		json_object_set_new(hj, "created", json_bytes(h->created));
		json_object_set_new(hj, "created_by", json_bytes(h->created_by));
		json_object_set_new(hj, "empty_layer", json_boolean(h->empty_layer));
		json_object_set_new(hj, "layer",
		                    h->layer >= 0 ? json_integer(h->layer) : json_null());
		json_object_set_new(hj, "instruction", json_bytes(h->instruction));
		json_array_append_new(hist, hj);
	}
	json_object_set_new(o, "history", hist);
	config_dockerfile(&df, c);
	json_object_set_new(o, "dockerfile", json_bytes(buf_cstr(&df)));
	buf_release(&df);
	if (walked) {
		json_t *w = json_object();

		json_object_set_new(w, "verified", json_true());
		json_object_set_new(w, "bytes_compressed", json_integer((json_int_t)csize));
		json_object_set_new(w, "bytes_uncompressed", json_integer((json_int_t)usize));
		json_object_set_new(w, "entries", json_integer((json_int_t)entries));
		json_object_set_new(w, "seconds", json_real(seconds));
		json_object_set_new(o, "walk", w);
	}
	return o;
}

static void print_strv(const char *label, const struct strv *v)
{
	if (!v->set)
		return;
	printf("%-12s [", label);
	for (size_t i = 0; i < v->n; i++)
		printf("%s\"%s\"", i ? ", " : "", v->v[i]);
	printf("]\n");
}

static void print_text(const struct image *img, bool walked, double seconds, bool show)
{
	const struct image_config *c = &img->config;
	struct buf df = BUF_INIT;
	char plat[96], a[32], b[32];
	uint64_t csize = 0, usize = 0, entries = 0;

	printf("%-12s %s\n", "Image", img->src->display);
	printf("%-12s %s (%s)\n", "Manifest",
	       img->manifest_digest ? img->manifest_digest : "(none: synthesised from the archive)",
	       img->manifest_media_type ? img->manifest_media_type : "?");
	if (img->index_digest)
		printf("%-12s %s\n", "Index", img->index_digest);
	printf("%-12s %s\n", "Platform", platform_format(&img->platform, plat, sizeof(plat)));
	printf("%-12s %s (%s)\n", "Config", img->config_digest,
	       str_human_bytes((uint64_t)img->config_size, a));
	if (c->created)
		printf("%-12s %s\n", "Created", c->created);
	print_strv("Entrypoint", &c->entrypoint);
	print_strv("Cmd", &c->cmd);
	for (size_t i = 0; i < c->env.n; i++) {
		char *e = env_display(c->env.v[i], show);

		printf("%-12s %s\n", i ? "" : "Env", e);
		free(e);
	}
	if (c->user && c->user[0])
		printf("%-12s %s\n", "User", c->user);
	if (c->working_dir && c->working_dir[0])
		printf("%-12s %s\n", "WorkingDir", c->working_dir);
	for (size_t i = 0; i < c->exposed_ports.n; i++)
		printf("%-12s %s\n", i ? "" : "Ports", c->exposed_ports.v[i]);
	for (size_t i = 0; i < c->n_labels; i++)
		printf("%-12s %s=%s\n", i ? "" : "Labels", c->labels[i].key, c->labels[i].value);

	printf("\nLayers (%zu)\n", img->n_layers);
	printf("  %-3s %-19s %-9s %10s %12s %8s  %s\n", "#", "DIGEST", "TYPE", "SIZE",
	       walked ? "UNCOMPRESSED" : "", walked ? "FILES" : "", "CREATED BY");
	for (size_t i = 0; i < img->n_layers; i++) {
		const struct layer *l = &img->layers[i];
		char d[20], files[24] = "";
		const char *by =
		    l->history && l->history->instruction ? l->history->instruction : "";
		int by_len = (int)strcspn(by, "\n");

		if (by_len > 60)
			by_len = 60;
		if (walked) {
			str_human_bytes(l->uncompressed_bytes, b);
			snprintf(files, sizeof(files), "%llu", (unsigned long long)l->files);
			csize += l->compressed_bytes;
			usize += l->uncompressed_bytes;
			entries += l->entries;
		} else {
			b[0] = '\0';
		}
		printf("  %-3zu %-19s %-9s %10s %12s %8s  %.*s%s\n", i,
		       digest_short(l->desc.digest, d), short_media_type(l->desc.media_type),
		       l->desc.size >= 0 ? str_human_bytes((uint64_t)l->desc.size, a) : "?", b,
		       files, by_len, by, strlen(by) > (size_t)by_len ? "…" : "");
	}
	config_dockerfile(&df, c);
	printf("\nDockerfile (reconstructed from history)\n");
	for (const char *p = buf_cstr(&df); *p;) {
		size_t n = strcspn(p, "\n");

		printf("  %.*s\n", (int)n, p);
		p += n + (p[n] == '\n');
	}
	buf_release(&df);
	if (walked)
		printf("\nVerified: blob digests, sizes and diff_ids of %zu layer%s (%s "
		       "compressed, %s, "
		       "%llu entries, %.2f s)\n",
		       img->n_layers, img->n_layers == 1 ? "" : "s", str_human_bytes(csize, a),
		       str_human_bytes(usize, b), (unsigned long long)entries, seconds);
}

int cmd_inspect(int argc, char **argv)
{
	struct cli_image_opts o;
	struct image_ref ref;
	struct source *src = NULL;
	struct image **imgs = NULL;
	size_t n_imgs = 0;
	const char *ref_str = NULL;
	bool json = false, walk = false, files = false, show = false, ref_ok = false;
	json_t *all = NULL;
	int rc = 0, code = 0;

	cli_image_opts_init(&o);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int r;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(inspect_usage, stdout);
			goto out;
		} else if (!strcmp(a, "--json")) {
			json = true;
		} else if (!strcmp(a, "--walk")) {
			walk = true;
		} else if (!strcmp(a, "--files")) {
			files = true;
		} else if (!strcmp(a, "--show-secrets")) {
			show = true;
		} else if ((r = cli_image_option(&o, argc, argv, &i)) != 0) {
			if (r < 0) {
				code = cli_fail(r);
				goto out;
			}
		} else if (a[0] == '-' && a[1]) {
			code = cli_fail(err_set(DR_EUSAGE, "unknown option '%s' (see --help)", a));
			goto out;
		} else if (ref_str) {
			code = cli_fail(err_set(DR_EUSAGE, "inspect takes one image reference"));
			goto out;
		} else {
			ref_str = a;
		}
	}
	if (!ref_str) {
		fputs(inspect_usage, stderr);
		code = 2;
		goto out;
	}
	if (files && !walk) {
		code = cli_fail(err_set(DR_EUSAGE, "--files needs --walk"));
		goto out;
	}
	if ((rc = ref_parse(&ref, ref_str)))
		goto fail;
	ref_ok = true;
	if ((rc = source_open(&src, &ref, &o.net, &o.limits)))
		goto fail;
	if ((rc = image_open(&imgs, &n_imgs, src, &o.platform, o.all_platforms)))
		goto fail;
	if (json && o.all_platforms)
		all = json_array();
	for (size_t k = 0; k < n_imgs; k++) {
		struct image *img = imgs[k];
		struct inspect_ctx ctx = {.files = files, .json = json};
		struct progress_state ps = {.label = "walk"};
		struct walk_sink sink = {0};
		struct walk_opts wo = {.limits = &o.limits};
		double t0 = mono_now(), seconds = 0;

		if (walk) {
			if (files) {
				sink.ctx = &ctx;
				sink.file = sink_file;
				sink.content = sink_content;
				sink.file_end = sink_file_end;
				if (json)
					ctx.file_list = json_array();
			}
			if (cli_progress_enabled(&o)) {
				wo.progress = progress_walk;
				wo.progress_ctx = &ps;
			}
			rc = image_walk(img, &sink, &wo);
			progress_clear(&ps);
			if (ctx.hashing)
				sha256_release(&ctx.file_hash);
			seconds = mono_now() - t0;
			if (rc) {
				json_decref(ctx.file_list);
				goto fail;
			}
		}
		if (json) {
			json_t *j = image_json(img, walk, seconds, show);

			if (ctx.file_list)
				json_object_set_new(j, "files", ctx.file_list);
			if (all) {
				json_array_append_new(all, j);
			} else {
				char *s = json_dumps(j, JSON_INDENT(2));

				puts(s);
				free(s);
				json_decref(j);
			}
		} else {
			if (k)
				printf("\n");
			print_text(img, walk, seconds, show);
		}
	}
	if (all) {
		char *s = json_dumps(all, JSON_INDENT(2));

		puts(s);
		free(s);
	}
	goto out;
fail:
	code = cli_fail(rc);
out:
	json_decref(all);
	for (size_t k = 0; k < n_imgs; k++)
		image_free(imgs[k]);
	free(imgs);
	source_free(src);
	if (ref_ok)
		ref_release(&ref);
	cli_image_opts_release(&o);
	return code;
}
