/* SPDX-License-Identifier: MIT */
/*
 * tpm2-unseal: unseal a TPM 2.0 sealed data object bound to a PCR policy,
 * speaking raw TPM 2.0 commands (TPM 2.0 Library spec Part 3, big-endian
 * marshalling); no TSS library, built static for a busybox initrd.
 *
 *   tpm2-unseal [--device PATH | --socket PATH] --parent HANDLE
 *               --pcrs N[,N...] PUB PRIV
 *   tpm2-unseal [--device PATH | --socket PATH] --object HANDLE
 *               --pcrs N[,N...]
 *
 * --device PATH   a TPM character device (default /dev/tpmrm0, the kernel's
 *                 resource manager: one write per command, one read per
 *                 response; sessions and objects die with the descriptor)
 * --socket PATH   a swtpm `--server type=unixio` data socket (raw command
 *                 bytes in, raw response bytes out; no resource manager,
 *                 so everything this program loads is flushed again)
 * --parent HANDLE the parent key's handle (a persistent one, 0x81000001),
 *                 authorized by a password session with an empty password
 * --pcrs LIST     the sha256 PCRs of the policy, e.g. 11 or 11,12
 * PUB PRIV        the files tpm2_create -u / -r writes: a marshalled
 *                 TPM2B_PUBLIC and TPM2B_PRIVATE
 * --object HANDLE instead of a parent and files: a sealed object made
 *                 persistent (tpm2_evictcontrol; scripts/tpm-seal --persist),
 *                 unsealed in place (no Load, not flushed). A test that
 *                 measures the initrd holding this program cannot put the
 *                 sealed blob into that initrd: the blob depends on the
 *                 PCR value, which would depend on the blob.
 *
 * Commands: StartAuthSession (policy session, unsalted, unbound, no
 * symmetric, SHA256), PolicyPCR (empty pcrDigest: the TPM uses the current
 * PCR values), Load (under the parent), Unseal (with the policy session),
 * FlushContext for the loaded object and the session (failure paths too).
 *
 * Exit status: 0 and the secret's bytes (exactly, nothing added) on stdout;
 * 1 on a TPM error (one line on stderr, e.g.
 * "tpm2-unseal: TPM2_Unseal: TPM error 0x99d" for a failed policy check)
 * or when talking to the TPM fails; 2 on a usage or input file error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define PROG "tpm2-unseal"

#define TPM_ST_NO_SESSIONS 0x8001u
#define TPM_ST_SESSIONS 0x8002u

#define TPM_CC_Load 0x00000157u
#define TPM_CC_Unseal 0x0000015Eu
#define TPM_CC_FlushContext 0x00000165u
#define TPM_CC_StartAuthSession 0x00000176u
#define TPM_CC_PolicyPCR 0x0000017Fu

#define TPM_RH_NULL 0x40000007u
#define TPM_RS_PW 0x40000009u
#define TPM_SE_POLICY 0x01u
#define TPM_ALG_SHA256 0x000Bu
#define TPM_ALG_NULL 0x0010u
#define TPMA_SESSION_CONTINUESESSION 0x01u

/* Warnings after which the same command is sent again (the kernel does
 * that too for /dev/tpm*; a raw swtpm socket answers TPM_RC_RETRY e.g. to
 * the first Load after startup). */
#define TPM_RC_YIELDED 0x908u
#define TPM_RC_TESTING 0x90Au
#define TPM_RC_RETRY 0x922u
#define RETRY_FIRST_MS 20
#define RETRY_MAX_MS 2000 /* the last delay; about 4 s in all */

#define HEADER_SIZE 10u
#define BUF_SIZE 8192u /* TPM2 commands and responses are at most 4096 */
#define FILE_MAX 4096u /* larger than any TPM2B_PUBLIC / TPM2B_PRIVATE */

#define EXIT_TPM 1
#define EXIT_USAGE 2

static const char *usage_text =
        "usage: " PROG " [--device PATH | --socket PATH] --parent HANDLE --pcrs N[,N...] PUB PRIV\n"
        "       " PROG " [--device PATH | --socket PATH] --object HANDLE --pcrs N[,N...]\n";

static void vmsg(const char *fmt, va_list ap)
{
        fputs(PROG ": ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
}

static void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void msg(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vmsg(fmt, ap);
        va_end(ap);
}

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void usage_error(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vmsg(fmt, ap);
        va_end(ap);
        fputs(usage_text, stderr);
        exit(EXIT_USAGE);
}

/* --- marshalling ------------------------------------------------------- */

struct cmd {
        uint8_t b[BUF_SIZE];
        size_t len;
        int overflow;
};

static void put(struct cmd *c, const void *p, size_t n)
{
        if (c->overflow || n > sizeof(c->b) - c->len) {
                c->overflow = 1;
                return;
        }
        memcpy(c->b + c->len, p, n);
        c->len += n;
}

static void put_u8(struct cmd *c, uint8_t v)
{
        put(c, &v, 1);
}

static void put_u16(struct cmd *c, uint16_t v)
{
        uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
        put(c, b, 2);
}

static void put_u32(struct cmd *c, uint32_t v)
{
        uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
        put(c, b, 4);
}

static void set_u32(struct cmd *c, size_t off, uint32_t v)
{
        if (off > c->len || 4 > c->len - off)
                return;
        c->b[off] = (uint8_t)(v >> 24);
        c->b[off + 1] = (uint8_t)(v >> 16);
        c->b[off + 2] = (uint8_t)(v >> 8);
        c->b[off + 3] = (uint8_t)v;
}

static void cmd_begin(struct cmd *c, uint16_t tag, uint32_t cc)
{
        c->len = 0;
        c->overflow = 0;
        put_u16(c, tag);
        put_u32(c, 0); /* commandSize, set by cmd_end */
        put_u32(c, cc);
}

/* One command authorization (Part 1, 18.6): session handle, empty nonce,
 * attributes, empty hmac (a password session with an empty password, or a
 * policy session that needs neither an HMAC nor a password). */
static void put_auth_area(struct cmd *c, uint32_t session, uint8_t attrs)
{
        put_u32(c, 4 + 2 + 1 + 2); /* authorizationSize */
        put_u32(c, session);
        put_u16(c, 0);
        put_u8(c, attrs);
        put_u16(c, 0);
}

static void cmd_end(struct cmd *c)
{
        set_u32(c, 2, (uint32_t)c->len);
}

struct rd {
        const uint8_t *p;
        size_t len, off;
        int bad;
};

static int take(struct rd *r, size_t n, const uint8_t **out)
{
        if (r->bad || r->off > r->len || n > r->len - r->off) {
                r->bad = 1;
                return -1;
        }
        *out = r->p + r->off;
        r->off += n;
        return 0;
}

static uint16_t get_u16(struct rd *r)
{
        const uint8_t *q;
        if (take(r, 2, &q))
                return 0;
        return (uint16_t)(q[0] << 8 | q[1]);
}

static uint32_t get_u32(struct rd *r)
{
        const uint8_t *q;
        if (take(r, 4, &q))
                return 0;
        return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
}

/* A TPM2B: its size, then that many bytes. */
static const uint8_t *get_tpm2b(struct rd *r, size_t *n)
{
        const uint8_t *q;
        *n = get_u16(r);
        if (r->bad || take(r, *n, &q))
                return NULL;
        return q;
}

/* --- transport ------------------------------------------------------------ */

struct tpm {
        int fd;
        int is_socket;
        uint8_t rsp[BUF_SIZE];
        size_t rsp_len;
};

static int tpm_open(struct tpm *t, const char *path, int is_socket)
{
        t->is_socket = is_socket;
        if (!is_socket) {
                t->fd = open(path, O_RDWR | O_CLOEXEC);
                if (t->fd < 0) {
                        msg("%s: %s", path, strerror(errno));
                        return -1;
                }
                return 0;
        }
        struct sockaddr_un sa;
        memset(&sa, 0, sizeof(sa));
        sa.sun_family = AF_UNIX;
        if (strlen(path) >= sizeof(sa.sun_path)) {
                msg("%s: socket path too long (at most %zu bytes)", path, sizeof(sa.sun_path) - 1);
                return -1;
        }
        memcpy(sa.sun_path, path, strlen(path) + 1);
        t->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (t->fd < 0) {
                msg("socket: %s", strerror(errno));
                return -1;
        }
        if (connect(t->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                msg("%s: %s", path, strerror(errno));
                close(t->fd);
                t->fd = -1;
                return -1;
        }
        return 0;
}

/* Send one command and read its response into t->rsp.  Returns the response
 * code, or -1 after printing a message when the transport or the response
 * header fails. */
static long tpm_transmit(struct tpm *t, const struct cmd *c, const char *name)
{
        if (c->overflow) {
                msg("%s: command too large", name);
                return -1;
        }
        /* The device wants the whole command in one write; a socket may take
         * it in pieces. */
        size_t done = 0;
        while (done < c->len) {
                ssize_t n = write(t->fd, c->b + done, c->len - done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        msg("%s: write: %s", name, n < 0 ? strerror(errno) : "short write");
                        return -1;
                }
                if (!t->is_socket && (size_t)n != c->len) {
                        msg("%s: write: short write (%zd of %zu bytes)", name, n, c->len);
                        return -1;
                }
                done += (size_t)n;
        }
        /* The device returns the whole response in one read (of up to
         * BUF_SIZE); on a socket, read until the header's responseSize. */
        size_t got = 0, want = HEADER_SIZE;
        while (got < want) {
                ssize_t n = read(t->fd, t->rsp + got, sizeof(t->rsp) - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        msg("%s: read: %s", name, strerror(errno));
                        return -1;
                }
                if (n == 0) {
                        msg("%s: read: connection closed after %zu bytes of the response", name, got);
                        return -1;
                }
                got += (size_t)n;
                if (got >= HEADER_SIZE) {
                        uint32_t size = (uint32_t)t->rsp[2] << 24 | (uint32_t)t->rsp[3] << 16 |
                                        (uint32_t)t->rsp[4] << 8 | t->rsp[5];
                        if (size < HEADER_SIZE || size > sizeof(t->rsp)) {
                                msg("%s: bad responseSize %u", name, size);
                                return -1;
                        }
                        want = size;
                }
                if (!t->is_socket && got < want) {
                        msg("%s: read: short response (%zu of %zu bytes)", name, got, want);
                        return -1;
                }
        }
        if (got != want) {
                msg("%s: response of %zu bytes, header says %zu", name, got, want);
                return -1;
        }
        t->rsp_len = got;
        uint16_t tag = (uint16_t)(t->rsp[0] << 8 | t->rsp[1]);
        uint32_t rc = (uint32_t)t->rsp[6] << 24 | (uint32_t)t->rsp[7] << 16 |
                      (uint32_t)t->rsp[8] << 8 | t->rsp[9];
        if (tag != TPM_ST_NO_SESSIONS && tag != TPM_ST_SESSIONS) {
                msg("%s: bad response tag 0x%04x", name, tag);
                return -1;
        }
        return (long)rc;
}

/* Transmit and report: 0 on TPM_RC_SUCCESS, else one line on stderr (if
 * report) and -1. */
static int tpm_run(struct tpm *t, const struct cmd *c, const char *name, int report)
{
        long rc;
        for (long delay = RETRY_FIRST_MS;; delay *= 2) {
                rc = tpm_transmit(t, c, name);
                if (rc < 0)
                        return -1;
                if ((rc != TPM_RC_RETRY && rc != TPM_RC_YIELDED && rc != TPM_RC_TESTING) ||
                    delay > RETRY_MAX_MS)
                        break;
                struct timespec ts = { delay / 1000, (delay % 1000) * 1000000L };
                while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                        ;
        }
        if (rc != 0) {
                if (report)
                        msg("%s: TPM error 0x%lx", name, (unsigned long)rc);
                return -1;
        }
        return 0;
}

/* A reader over the response's body (after the header). */
static struct rd rsp_body(const struct tpm *t)
{
        struct rd r = { t->rsp, t->rsp_len, HEADER_SIZE, 0 };
        return r;
}

/* Run a command whose response starts with a handle (StartAuthSession,
 * Load): 0 and *handle, or -1 after one line on stderr. */
static int run_for_handle(struct tpm *t, const struct cmd *c, const char *name, uint32_t *handle)
{
        struct rd r;

        if (tpm_run(t, c, name, 1))
                return -1;
        r = rsp_body(t);
        *handle = get_u32(&r);
        if (r.bad) {
                msg("%s: response too short", name);
                return -1;
        }
        return 0;
}

static int flush(struct tpm *t, uint32_t handle, int report)
{
        struct cmd c;
        cmd_begin(&c, TPM_ST_NO_SESSIONS, TPM_CC_FlushContext);
        put_u32(&c, handle); /* flushHandle is a parameter */
        cmd_end(&c);
        return tpm_run(t, &c, "TPM2_FlushContext", report);
}

/* --- input ------------------------------------------------------------- */

/* Read a file holding one marshalled TPM2B (what tpm2_create -u/-r write):
 * its size field must cover exactly the rest of the file. */
static size_t read_tpm2b_file(const char *what, const char *path, uint8_t *buf, size_t cap)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                msg("%s %s: %s", what, path, strerror(errno));
                exit(EXIT_USAGE);
        }
        size_t len = 0;
        for (;;) {
                if (len == cap) {
                        /* One byte more than the largest TPM2B we accept. */
                        uint8_t extra;
                        ssize_t n = read(fd, &extra, 1);
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n != 0) {
                                msg("%s %s: larger than %zu bytes", what, path, cap);
                                close(fd);
                                exit(EXIT_USAGE);
                        }
                        break;
                }
                ssize_t n = read(fd, buf + len, cap - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        msg("%s %s: %s", what, path, strerror(errno));
                        close(fd);
                        exit(EXIT_USAGE);
                }
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        close(fd);
        if (len < 2) {
                msg("%s %s: truncated: %zu bytes, not even a TPM2B size", what, path, len);
                exit(EXIT_USAGE);
        }
        size_t size = (size_t)buf[0] << 8 | buf[1];
        if (size == 0) {
                msg("%s %s: empty TPM2B", what, path);
                exit(EXIT_USAGE);
        }
        if (size != len - 2) {
                msg("%s %s: %s: %zu bytes, its TPM2B size says %zu + 2", what, path,
                    size > len - 2 ? "truncated" : "trailing bytes", len, size);
                exit(EXIT_USAGE);
        }
        return len;
}

static uint32_t parse_handle(const char *opt, const char *s)
{
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 0);
        if (!*s || *end || errno || v > 0xffffffffUL || s[0] == '-')
                usage_error("%s %s: not a handle (e.g. 0x81000001)", opt, s);
        return (uint32_t)v;
}

/* "11,12" -> the 3-byte pcrSelect bitmap of PCRs 0..23. */
static void parse_pcrs(const char *s, uint8_t sel[3])
{
        const char *p = s;
        memset(sel, 0, 3);
        if (!*p)
                usage_error("--pcrs: empty list");
        for (;;) {
                if (*p < '0' || *p > '9')
                        usage_error("--pcrs %s: give PCR numbers 0..23 separated by commas", s);
                unsigned v = 0;
                while (*p >= '0' && *p <= '9') {
                        v = v * 10 + (unsigned)(*p - '0');
                        if (v > 23)
                                usage_error("--pcrs %s: give PCR numbers 0..23 separated by commas", s);
                        p++;
                }
                sel[v / 8] |= (uint8_t)(1u << (v % 8));
                if (!*p)
                        break;
                if (*p != ',')
                        usage_error("--pcrs %s: give PCR numbers 0..23 separated by commas", s);
                p++;
        }
}

/* --- main ---------------------------------------------------------------- */

static struct tpm tpm;
static uint8_t pub[FILE_MAX], priv[FILE_MAX];

int main(int argc, char **argv)
{
        const char *path = "/dev/tpmrm0";
        int is_socket = 0, have_path = 0, have_parent = 0, have_pcrs = 0, have_persistent = 0;
        uint32_t parent = 0, persistent = 0;
        uint8_t sel[3];
        const char *files[2];
        int nfiles = 0;

        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                int takes = !strcmp(a, "--device") || !strcmp(a, "--socket") ||
                            !strcmp(a, "--parent") || !strcmp(a, "--pcrs") || !strcmp(a, "--object");
                if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
                        fputs(usage_text, stdout);
                        return 0;
                }
                if (takes) {
                        if (i + 1 >= argc)
                                usage_error("%s needs a value", a);
                        const char *v = argv[++i];
                        if (!strcmp(a, "--device") || !strcmp(a, "--socket")) {
                                if (have_path)
                                        usage_error("give one of --device and --socket, once");
                                have_path = 1;
                                is_socket = !strcmp(a, "--socket");
                                path = v;
                        } else if (!strcmp(a, "--parent")) {
                                parent = parse_handle(a, v);
                                have_parent = 1;
                        } else if (!strcmp(a, "--object")) {
                                persistent = parse_handle(a, v);
                                have_persistent = 1;
                        } else {
                                parse_pcrs(v, sel);
                                have_pcrs = 1;
                        }
                } else if (a[0] == '-' && a[1]) {
                        usage_error("unknown option %s", a);
                } else {
                        if (nfiles == 2)
                                usage_error("unexpected argument %s", a);
                        files[nfiles++] = a;
                }
        }
        if (have_persistent && (have_parent || nfiles))
                usage_error("--object takes no --parent and no files");
        if (!have_persistent && !have_parent)
                usage_error("--parent (or --object) is required");
        if (!have_pcrs)
                usage_error("--pcrs is required");
        if (!have_persistent && nfiles != 2)
                usage_error("give the PUB and PRIV files");

        size_t pub_len = 0, priv_len = 0;
        if (!have_persistent) {
                pub_len = read_tpm2b_file("PUB", files[0], pub, sizeof(pub));
                priv_len = read_tpm2b_file("PRIV", files[1], priv, sizeof(priv));
        }

        tpm.fd = -1;
        if (tpm_open(&tpm, path, is_socket))
                return EXIT_TPM;

        struct cmd c;
        struct rd r;
        int ok = 0;
        uint32_t session = 0, object = 0;
        int have_session = 0, have_object = 0;

        /* TPM2_StartAuthSession: a policy session, neither salted nor bound. */
        uint8_t nonce[32];
        memset(nonce, 0x5a, sizeof(nonce));
        if (getrandom(nonce, sizeof(nonce), GRND_NONBLOCK) < 0) {
                /* Any nonce does: no salt, no bind, no HMAC. */
        }
        cmd_begin(&c, TPM_ST_NO_SESSIONS, TPM_CC_StartAuthSession);
        put_u32(&c, TPM_RH_NULL); /* tpmKey */
        put_u32(&c, TPM_RH_NULL); /* bind */
        put_u16(&c, sizeof(nonce)); /* nonceCaller */
        put(&c, nonce, sizeof(nonce));
        put_u16(&c, 0); /* encryptedSalt */
        put_u8(&c, TPM_SE_POLICY); /* sessionType */
        put_u16(&c, TPM_ALG_NULL); /* symmetric.algorithm */
        put_u16(&c, TPM_ALG_SHA256); /* authHash */
        cmd_end(&c);
        if (run_for_handle(&tpm, &c, "TPM2_StartAuthSession", &session))
                goto out;
        have_session = 1;

        /* TPM2_PolicyPCR: empty pcrDigest, the TPM takes the PCRs' values. */
        cmd_begin(&c, TPM_ST_NO_SESSIONS, TPM_CC_PolicyPCR);
        put_u32(&c, session); /* policySession */
        put_u16(&c, 0); /* pcrDigest */
        put_u32(&c, 1); /* pcrs.count */
        put_u16(&c, TPM_ALG_SHA256); /* pcrSelections[0].hash */
        put_u8(&c, 3); /* sizeofSelect */
        put(&c, sel, 3);
        cmd_end(&c);
        if (tpm_run(&tpm, &c, "TPM2_PolicyPCR", 1))
                goto out;

        /* TPM2_Load under the parent, password session, empty password. */
        if (have_persistent) {
                object = persistent;
                goto unseal;
        }
        cmd_begin(&c, TPM_ST_SESSIONS, TPM_CC_Load);
        put_u32(&c, parent); /* parentHandle */
        put_auth_area(&c, TPM_RS_PW, 0);
        put(&c, priv, priv_len); /* inPrivate */
        put(&c, pub, pub_len); /* inPublic */
        cmd_end(&c);
        if (run_for_handle(&tpm, &c, "TPM2_Load", &object))
                goto out;
        have_object = 1;

unseal:
        /* TPM2_Unseal, authorized by the policy session (kept open with
         * continueSession, so that it is flushed below like on any path). */
        cmd_begin(&c, TPM_ST_SESSIONS, TPM_CC_Unseal);
        put_u32(&c, object); /* itemHandle */
        put_auth_area(&c, session, TPMA_SESSION_CONTINUESESSION);
        cmd_end(&c);
        if (tpm_run(&tpm, &c, "TPM2_Unseal", 1))
                goto out;
        r = rsp_body(&tpm);
        uint32_t param_size = get_u32(&r);
        size_t params_start = r.off;
        size_t secret_len;
        const uint8_t *secret = get_tpm2b(&r, &secret_len);
        if (r.bad || !secret || params_start > tpm.rsp_len ||
            param_size > tpm.rsp_len - params_start || r.off - params_start > param_size) {
                msg("TPM2_Unseal: malformed response");
                goto out;
        }

        /* Flush before printing: a failed flush is an error too (on a raw
         * swtpm socket left-over objects fill the TPM). */
        uint8_t out_buf[BUF_SIZE];
        memcpy(out_buf, secret, secret_len);
        memset(tpm.rsp, 0, sizeof(tpm.rsp));
        if (have_object) {
                have_object = 0;
                if (flush(&tpm, object, 1))
                        goto out_secret;
        }
        have_session = 0;
        if (flush(&tpm, session, 1))
                goto out_secret;
        if (fwrite(out_buf, 1, secret_len, stdout) != secret_len || fflush(stdout)) {
                msg("stdout: %s", strerror(errno));
                goto out_secret;
        }
        ok = 1;
out_secret:
        memset(out_buf, 0, sizeof(out_buf));
        __asm__ __volatile__("" : : "r"(out_buf) : "memory");
out:
        /* The first error has been reported; flush quietly. */
        if (have_object)
                flush(&tpm, object, 0);
        if (have_session)
                flush(&tpm, session, 0);
        if (tpm.fd >= 0)
                close(tpm.fd);
        return ok ? 0 : EXIT_TPM;
}
