/*
 * maps.c - the executable mappings of this process, as Go reports them.
 *
 * Owns: parsing /proc/self/maps (executable lines only, " (deleted)"
 * removed, anonymous inode-0 fragments skipped but [vdso] and [vsyscall]
 * kept), telling which lines belong to the main executable, and finding
 * each mapping's GNU build id. Build ids come from the loaded objects'
 * PT_NOTE segments in memory (dl_iterate_phdr: no file I/O, and right even
 * when the file was replaced on disk); a file mapped without the loader
 * gets its id from the file through libelf.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "cprof.h"
#include "symbolize/symbolize_int.h"

#define MAPS_DELETED " (deleted)"
#define MAPS_GNU_NOTE_NAME "GNU"

/* One loaded object as dl_iterate_phdr shows it. */
struct maps_object {
	uint64_t lo, hi; /* span of its PT_LOAD segments */
	bool is_main;
	char build_id[2 * CPROF_SYM_BUILD_ID_MAX + 1];
};

struct maps_objects {
	struct maps_object *items;
	size_t len, cap;
	int error;
};

static uint64_t maps_hash(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;

	/* FNV-1a: only needs to notice that the mappings changed. */
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static const char *maps_skip_space(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* Parses a hex number ending at a non-hex byte; false if there is none. */
static bool maps_hex(const char **pp, const char *end, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;

	if (p == end)
		return false;
	for (; p < end; p++) {
		int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			break;
		v = v << 4 | (uint64_t)d;
	}
	if (p == *pp)
		return false;
	*pp = p;
	*out = v;
	return true;
}

static bool maps_dec(const char **pp, const char *end, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;

	for (; p < end && *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	if (p == *pp)
		return false;
	*pp = p;
	*out = v;
	return true;
}

/* Skips one whitespace-delimited field. */
static bool maps_field(const char **pp, const char *end)
{
	const char *p = maps_skip_space(*pp, end);
	const char *start = p;

	while (p < end && *p != ' ' && *p != '\t')
		p++;
	*pp = p;
	return p != start;
}

static int maps_push(struct cprof__sym_maps *out, size_t *cap,
		     const struct cprof__sym_map *m, const char *path,
		     size_t path_len)
{
	struct cprof__sym_map *item;

	if (out->len == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		void *n = cprof__realloc(out->items, ncap * sizeof(*item));

		if (n == NULL)
			return CPROF_ENOMEM;
		out->items = n;
		*cap = ncap;
	}
	item = &out->items[out->len];
	*item = *m;
	item->path = cprof__alloc(path_len + 1);
	if (item->path == NULL)
		return CPROF_ENOMEM;
	memcpy(item->path, path, path_len);
	item->path[path_len] = '\0';
	out->len++;
	if (path_len > 0 && path[0] != '[') {
		out->signature = maps_hash(out->signature ? out->signature
							  : 0xcbf29ce484222325ull,
					   m, offsetof(struct cprof__sym_map,
						       path));
		out->signature = maps_hash(out->signature, path, path_len);
	}
	return 0;
}

/*
 * One line: "start-limit perms offset dev inode   path". The path runs to
 * the end of the line and may hold spaces. Returns 1 if the line is kept
 * (and fills m, path), 0 if skipped.
 */
static int maps_parse_line(const char *p, const char *end,
			   struct cprof__sym_map *m, const char **path,
			   size_t *path_len)
{
	const char *perms;

	memset(m, 0, sizeof(*m));
	if (!maps_hex(&p, end, &m->start) || p == end || *p++ != '-' ||
	    !maps_hex(&p, end, &m->limit))
		return 0;
	p = maps_skip_space(p, end);
	perms = p;
	if (!maps_field(&p, end) || p - perms < 3 || perms[2] != 'x')
		return 0;
	p = maps_skip_space(p, end);
	if (!maps_hex(&p, end, &m->offset) || !maps_field(&p, end))
		return 0;
	p = maps_skip_space(p, end);
	if (!maps_dec(&p, end, &m->inode))
		return 0;
	p = maps_skip_space(p, end);
	*path = p;
	*path_len = (size_t)(end - p);
	if (*path_len >= sizeof(MAPS_DELETED) - 1 &&
	    memcmp(end - (sizeof(MAPS_DELETED) - 1), MAPS_DELETED,
		   sizeof(MAPS_DELETED) - 1) == 0)
		*path_len -= sizeof(MAPS_DELETED) - 1;
	/* Huge-page text shows its unpopulated head as inode 0 with no
	 * name; Go leaves it out, and so do we. */
	if (m->inode == 0 && *path_len == 0)
		return 0;
	return m->limit > m->start;
}

int cprof__sym_maps_parse(const char *text, size_t len,
			  struct cprof__sym_maps *out)
{
	const char *p = text, *end = text + len;
	size_t cap = 0;

	memset(out, 0, sizeof(*out));
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		struct cprof__sym_map m;
		const char *path;
		size_t path_len;

		if (eol == NULL)
			eol = end;
		if (maps_parse_line(p, eol, &m, &path, &path_len) == 1) {
			int err = maps_push(out, &cap, &m, path, path_len);

			if (err) {
				cprof__sym_maps_fini(out);
				return err;
			}
		}
		p = eol + 1;
	}
	return 0;
}

void cprof__sym_maps_fini(struct cprof__sym_maps *m)
{
	for (size_t i = 0; i < m->len; i++)
		cprof__free(m->items[i].path);
	cprof__free(m->items);
	memset(m, 0, sizeof(*m));
}

const struct cprof__sym_map *
cprof__sym_maps_find(const struct cprof__sym_maps *m, uint64_t addr)
{
	size_t lo = 0, hi = m->len;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct cprof__sym_map *it = &m->items[mid];

		if (addr < it->start)
			hi = mid;
		else if (addr >= it->limit)
			lo = mid + 1;
		else
			return it;
	}
	return NULL;
}

static size_t maps_align(size_t n, size_t align)
{
	return (n + align - 1) & ~(align - 1);
}

bool cprof__sym_note_build_id(const void *notes, size_t len, size_t align,
			      char out[2 * CPROF_SYM_BUILD_ID_MAX + 1])
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = notes;
	size_t off = 0;

	if (align != 8)
		align = 4;
	while (len - off >= sizeof(ElfW(Nhdr))) {
		ElfW(Nhdr) nh;
		size_t name_off, desc_off, next;

		memcpy(&nh, p + off, sizeof(nh));
		name_off = off + sizeof(nh);
		if (nh.n_namesz > len - name_off)
			return false;
		desc_off = maps_align(name_off + nh.n_namesz, align);
		if (desc_off > len || nh.n_descsz > len - desc_off)
			return false;
		next = maps_align(desc_off + nh.n_descsz, align);
		if (nh.n_type == NT_GNU_BUILD_ID &&
		    nh.n_namesz == sizeof(MAPS_GNU_NOTE_NAME) &&
		    memcmp(p + name_off, MAPS_GNU_NOTE_NAME,
			   sizeof(MAPS_GNU_NOTE_NAME)) == 0 &&
		    nh.n_descsz > 0 && nh.n_descsz <= CPROF_SYM_BUILD_ID_MAX) {
			const unsigned char *d = p + desc_off;

			for (size_t i = 0; i < nh.n_descsz; i++) {
				out[2 * i] = hex[d[i] >> 4];
				out[2 * i + 1] = hex[d[i] & 15];
			}
			out[2 * nh.n_descsz] = '\0';
			return true;
		}
		if (next <= off || next > len)
			return false;
		off = next;
	}
	return false;
}

/* Whether [vaddr, vaddr + len) lies in a readable loaded segment, so that
 * reading it cannot fault. */
static bool maps_readable(const struct dl_phdr_info *info, uint64_t vaddr,
			  uint64_t len)
{
	for (size_t i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_R) &&
		    vaddr >= ph->p_vaddr && len <= ph->p_filesz &&
		    vaddr - ph->p_vaddr <= ph->p_filesz - len)
			return true;
	}
	return false;
}

static int maps_object_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct maps_objects *objs = arg;
	struct maps_object *o;

	if (objs->len == objs->cap) {
		size_t ncap = objs->cap ? objs->cap * 2 : 32;
		void *n = cprof__realloc(objs->items, ncap * sizeof(*o));

		if (n == NULL) {
			objs->error = CPROF_ENOMEM;
			return 1;
		}
		objs->items = n;
		objs->cap = ncap;
	}
	o = &objs->items[objs->len];
	memset(o, 0, sizeof(*o));
	o->lo = UINT64_MAX;
	/* The loader lists the main program first. */
	o->is_main = objs->len == 0;
	for (size_t i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uint64_t a = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD) {
			if (a < o->lo)
				o->lo = a;
			if (a + ph->p_memsz > o->hi)
				o->hi = a + ph->p_memsz;
		} else if (ph->p_type == PT_NOTE && o->build_id[0] == '\0' &&
			   maps_readable(info, ph->p_vaddr, ph->p_memsz)) {
			cprof__sym_note_build_id((const void *)(uintptr_t)a,
						 ph->p_memsz, ph->p_align,
						 o->build_id);
		}
	}
	if (o->lo < o->hi)
		objs->len++;
	return 0;
}

/* The build id of an ELF file, for mappings the loader does not know. */
static void maps_file_build_id(const char *path,
			       char out[2 * CPROF_SYM_BUILD_ID_MAX + 1])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *elf;
	size_t phnum;

	if (fd < 0)
		return;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (elf == NULL)
		goto out_close;
	if (elf_kind(elf) != ELF_K_ELF || elf_getphdrnum(elf, &phnum) != 0)
		goto out_end;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		Elf_Data *d;

		if (gelf_getphdr(elf, (int)i, &ph) == NULL ||
		    ph.p_type != PT_NOTE)
			continue;
		d = elf_getdata_rawchunk(elf, (int64_t)ph.p_offset,
					 ph.p_filesz, ELF_T_BYTE);
		if (d != NULL && cprof__sym_note_build_id(d->d_buf, d->d_size,
							  ph.p_align, out))
			break;
	}
out_end:
	elf_end(elf);
out_close:
	close(fd);
}

static int maps_read_file(const char *path, struct cprof__buf *b)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return CPROF_EIO;
	for (;;) {
		ssize_t n;

		if (!cprof__buf_reserve(b, 4096))
			break;
		n = read(fd, b->data + b->len, b->cap - b->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		b->len += (size_t)n;
	}
	close(fd);
	/* Past the cap the tail is lost; what was read is still right. */
	return b->len > 0 ? 0 : CPROF_EIO;
}

/* Fills is_main and build_id of every mapping from the loaded objects. */
static int maps_annotate(struct cprof__sym_maps *m)
{
	struct maps_objects objs = {0};

	dl_iterate_phdr(maps_object_cb, &objs);
	if (objs.error) {
		cprof__free(objs.items);
		return objs.error;
	}
	for (size_t i = 0; i < m->len; i++) {
		struct cprof__sym_map *it = &m->items[i];
		bool found = false;

		for (size_t j = 0; j < objs.len && !found; j++) {
			const struct maps_object *o = &objs.items[j];

			if (it->start >= o->lo && it->start < o->hi) {
				it->is_main = o->is_main;
				memcpy(it->build_id, o->build_id,
				       sizeof(it->build_id));
				found = true;
			}
		}
		if (!found && it->path[0] == '/')
			maps_file_build_id(it->path, it->build_id);
	}
	cprof__free(objs.items);
	return 0;
}

int cprof__sym_maps_read(struct cprof__sym_maps *out)
{
	struct cprof__buf b;
	int err;

	memset(out, 0, sizeof(*out));
	cprof__buf_init(&b, CPROF_SYM_MAPS_MAX_BYTES);
	err = maps_read_file("/proc/self/maps", &b);
	if (err == 0)
		err = cprof__sym_maps_parse(b.data, b.len, out);
	cprof__buf_fini(&b);
	if (err == 0)
		err = maps_annotate(out);
	if (err)
		cprof__sym_maps_fini(out);
	return err;
}

static int maps_counters_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	uint64_t *c = arg;

	/* The counters are only there when size says the fields are. */
	if (size >= offsetof(struct dl_phdr_info, dlpi_subs) +
			    sizeof(info->dlpi_subs)) {
		c[0] = info->dlpi_adds;
		c[1] = info->dlpi_subs;
	}
	return 1; /* the first object is enough */
}

void cprof__sym_dl_counters(uint64_t *out_adds, uint64_t *out_subs)
{
	uint64_t c[2] = {0, 0};

	dl_iterate_phdr(maps_counters_cb, c);
	*out_adds = c[0];
	*out_subs = c[1];
}
