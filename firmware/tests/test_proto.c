/*
 * Host tests of firmware/common against docs/protocol-vectors.txt, byte for byte.
 *
 * usage: test_proto path/to/protocol-vectors.txt
 * Every frame vector is built from its fields and compared with the file's hex; the hex is
 * then received byte by byte and its fields compared back. Every reject vector must be
 * dropped for the stated reason. Prints one line per failure and a summary; exit 1 on failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emg_proto.h"

static int failures, checks;

#define CHECK(cond, ...)                                                                   \
    do {                                                                                   \
        checks++;                                                                          \
        if (!(cond)) {                                                                     \
            failures++;                                                                    \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                    \
            printf(__VA_ARGS__);                                                           \
            printf("\n");                                                                  \
        }                                                                                  \
    } while (0)

/* ---------------------------------------------------------------- field access */
static const char *field(const char *fields, const char *key, char *out, size_t cap)
{
    size_t klen = strlen(key);
    const char *p = fields;
    while (p && *p) {
        if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
            const char *v = p + klen + 1;
            size_t n = strcspn(v, ";");
            if (n >= cap)
                n = cap - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return out;
        }
        p = strchr(p, ';');
        if (p)
            p++;
    }
    return NULL;
}

static long long num(const char *fields, const char *key)
{
    char v[64];
    if (!field(fields, key, v, sizeof v)) {
        printf("FAIL: field %s missing in %s\n", key, fields);
        failures++;
        return 0;
    }
    return strtoll(v, NULL, 10);
}

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    while (hex[0] && hex[1] && n < cap) {
        unsigned v;
        sscanf(hex, "%2x", &v);
        out[n++] = (uint8_t)v;
        hex += 2;
    }
    return n;
}

static void tohex(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
    out[2 * n] = '\0';
}

/* counts=a,b,c into arr; returns how many */
static size_t counts(const char *fields, int32_t *arr, size_t cap)
{
    const char *p = strstr(fields, "counts=");
    size_t n = 0;
    if (!p)
        return 0;
    p += 7;
    while (*p && *p != ';' && n < cap) {
        char *end;
        arr[n++] = (int32_t)strtol(p, &end, 10);
        p = (*end == ',') ? end + 1 : end;
    }
    return n;
}

static int type_of(const char *kind)
{
    static const struct { const char *name; int type; } kinds[] = {
        {"device_info", EMG_T_DEVICE_INFO}, {"samples", EMG_T_SAMPLES}, {"status", EMG_T_STATUS},
        {"ack", EMG_T_ACK}, {"start", EMG_T_START}, {"stop", EMG_T_STOP}, {"info", EMG_T_INFO},
        {"set_rate", EMG_T_SET_RATE}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].name, kind) == 0)
            return kinds[i].type;
    return -1;
}

/* ---------------------------------------------------------------- build from fields */
static size_t build(int type, const char *f, uint8_t *raw)
{
    static int32_t c[4096];
    static int16_t c16[4096];
    uint16_t seq = (uint16_t)num(f, "seq");
    switch (type) {
    case EMG_T_DEVICE_INFO: {
        char board[64], fw[32], gain[16];
        unsigned a = 0, b = 0, d = 0;
        uint32_t bits;
        emg_info_t info;
        field(f, "board", board, sizeof board);
        field(f, "firmware", fw, sizeof fw);
        field(f, "uv_per_count", gain, sizeof gain);
        sscanf(fw, "%u.%u.%u", &a, &b, &d);
        bits = (uint32_t)strtoul(gain, NULL, 16);
        info.board = board;
        info.n_channels = (uint8_t)num(f, "n_channels");
        info.fs_mhz = (uint32_t)num(f, "fs");
        info.adc_bits = (uint8_t)num(f, "adc_bits");
        info.format = (uint8_t)num(f, "format");
        info.uv_per_count[0] = (uint8_t)bits;
        info.uv_per_count[1] = (uint8_t)(bits >> 8);
        info.uv_per_count[2] = (uint8_t)(bits >> 16);
        info.uv_per_count[3] = (uint8_t)(bits >> 24);
        info.samples_per_frame = (uint8_t)num(f, "samples_per_frame");
        info.firmware[0] = (uint8_t)a;
        info.firmware[1] = (uint8_t)b;
        info.firmware[2] = (uint8_t)d;
        return emg_build_info(raw, seq, &info);
    }
    case EMG_T_SAMPLES: {
        size_t n = counts(f, c, 4096);
        uint8_t n_ch = (uint8_t)num(f, "n_channels"), n_s = (uint8_t)num(f, "n_samples");
        uint32_t index = (uint32_t)num(f, "sample_index");
        CHECK(n == (size_t)n_ch * n_s, "counts has %zu values, expected %u", n, n_ch * n_s);
        if (num(f, "format") == EMG_FMT_INT24)
            return emg_build_samples24(raw, seq, index, n_ch, n_s, c);
        for (size_t i = 0; i < n; i++)
            c16[i] = (int16_t)c[i];
        return emg_build_samples16(raw, seq, index, n_ch, n_s, c16);
    }
    case EMG_T_STATUS: {
        emg_status_t s;
        s.lead_off = (uint16_t)num(f, "lead_off");
        s.battery_pct = (uint8_t)num(f, "battery_pct");
        s.dropped_samples = (uint32_t)num(f, "dropped_samples");
        s.error_count = (uint16_t)num(f, "error_count");
        s.error_code = (uint8_t)num(f, "error_code");
        return emg_build_status(raw, seq, &s);
    }
    case EMG_T_ACK:
        return emg_build_ack(raw, seq, (uint8_t)num(f, "command"), (uint16_t)num(f, "command_seq"),
                             (uint8_t)num(f, "result"));
    case EMG_T_SET_RATE:
        return emg_build_command(raw, seq, (uint8_t)type, (uint32_t)num(f, "fs"));
    default:
        return emg_build_command(raw, seq, (uint8_t)type, 0);
    }
}

/* ---------------------------------------------------------------- parsed fields vs vector */
static void check_parsed(const char *name, int type, const char *f, const emg_frame_t *fr)
{
    const uint8_t *b = fr->body;
    CHECK(fr->type == type, "%s: parsed type 0x%02x", name, fr->type);
    CHECK(fr->seq == (uint16_t)num(f, "seq"), "%s: parsed seq %u", name, fr->seq);
    if (type == EMG_T_SAMPLES) {
        static int32_t c[4096];
        size_t n = counts(f, c, 4096);
        uint8_t n_ch = b[4];
        CHECK(emg_get_u32(b) == (uint32_t)num(f, "sample_index"), "%s: sample_index", name);
        CHECK(n_ch * b[5] == (int)n, "%s: %u x %u counts", name, n_ch, b[5]);
        for (size_t i = 0; i < n && n_ch; i++)
            CHECK(emg_sample_count(fr, (uint8_t)(i / n_ch), (uint8_t)(i % n_ch)) == c[i],
                  "%s: count %zu is %ld, expected %ld", name, i,
                  (long)emg_sample_count(fr, (uint8_t)(i / n_ch), (uint8_t)(i % n_ch)), (long)c[i]);
    } else if (type == EMG_T_STATUS) {
        CHECK(emg_get_u16(b) == num(f, "lead_off"), "%s: lead_off", name);
        CHECK(b[2] == num(f, "battery_pct"), "%s: battery", name);
        CHECK(emg_get_u32(b + 3) == (uint32_t)num(f, "dropped_samples"), "%s: dropped", name);
        CHECK(emg_get_u16(b + 7) == num(f, "error_count"), "%s: error_count", name);
        CHECK(b[9] == num(f, "error_code"), "%s: error_code", name);
    } else if (type == EMG_T_ACK) {
        CHECK(b[0] == num(f, "command") && emg_get_u16(b + 1) == num(f, "command_seq")
                  && b[3] == num(f, "result"), "%s: ack fields", name);
    } else if (type == EMG_T_SET_RATE) {
        CHECK(emg_command_fs_mhz(fr) == (uint32_t)num(f, "fs"), "%s: fs", name);
    } else if (type == EMG_T_DEVICE_INFO) {
        CHECK(b[0] == num(f, "n_channels") && emg_get_u32(b + 1) == (uint32_t)num(f, "fs"),
              "%s: info fields", name);
    }
}

static int reason_code(const char *f)
{
    char r[32];
    if (!field(f, "reason", r, sizeof r))
        return 0;
    if (!strcmp(r, "crc"))
        return EMG_ERR_CRC;
    if (!strcmp(r, "version"))
        return EMG_ERR_VERSION;
    if (!strcmp(r, "type"))
        return EMG_ERR_TYPE;
    if (!strcmp(r, "length"))
        return EMG_ERR_LENGTH;
    if (!strcmp(r, "cobs"))
        return EMG_ERR_COBS;
    return 0;
}

/* Feed bytes; return the last non-zero result of emg_rx_push. */
static int feed(emg_rx_t *rx, const uint8_t *bytes, size_t n, int *frames, int *bad)
{
    int last = 0;
    for (size_t i = 0; i < n; i++) {
        int r = emg_rx_push(rx, bytes[i]);
        if (r == 1)
            (*frames)++;
        else if (r < 0)
            (*bad)++;
        if (r != 0)
            last = r;
    }
    return last;
}

/* ---------------------------------------------------------------- self tests */
static uint32_t lcg = 12345u;
static uint32_t rnd(void)
{
    lcg = lcg * 1103515245u + 12345u;
    return lcg >> 8;
}

static void test_cobs_roundtrip(void)
{
    uint8_t in[EMG_MAX_FRAME], enc[EMG_MAX_WIRE], inplace[EMG_MAX_WIRE], dec[EMG_MAX_FRAME];
    for (int trial = 0; trial < 2000; trial++) {
        size_t n = rnd() % EMG_MAX_FRAME + 1, e;
        int d;
        for (size_t i = 0; i < n; i++)
            in[i] = (rnd() % 4 == 0) ? 0 : (uint8_t)rnd();
        e = emg_cobs_encode(in, n, enc);
        memcpy(inplace + 1, in, n);
        CHECK(emg_cobs_encode_inplace(inplace, n) == e + 1 && memcmp(inplace, enc, e) == 0
                  && inplace[e] == 0, "in-place COBS differs from copying COBS (n=%zu)", n);
        CHECK(memchr(enc, 0, e) == NULL, "COBS output contains 0x00 (n=%zu)", n);
        d = emg_cobs_decode(enc, e, dec, sizeof dec);
        CHECK(d == (int)n && memcmp(dec, in, n) == 0, "COBS round trip failed (n=%zu, d=%d)", n, d);
    }
}

static void test_rx_overflow(void)
{
    /* A chunk longer than the receiver's buffer is dropped whole; the next frame survives. */
    uint8_t buf[16], raw[16], wire[EMG_MAX_WIRE], cmd[16];
    emg_rx_t rx;
    int frames = 0, bad = 0;
    size_t n;
    emg_rx_init(&rx, buf, raw, sizeof buf);
    memset(wire, 0x55, 40);
    feed(&rx, wire, 40, &frames, &bad);
    n = emg_build_command(cmd + 1, 77, EMG_T_START, 0);
    n = emg_cobs_encode_inplace(cmd, n);
    wire[0] = 0;
    feed(&rx, wire, 1, &frames, &bad);
    feed(&rx, cmd, n, &frames, &bad);
    CHECK(frames == 1 && bad == 1 && rx.frame.type == EMG_T_START && rx.frame.seq == 77,
          "overlong chunk: frames=%d bad=%d", frames, bad);
}

int main(int argc, char **argv)
{
    static char line[65536], hex[65536];
    static uint8_t raw[EMG_MAX_WIRE + 8], want[EMG_MAX_WIRE + 8];
    static uint8_t all[1 << 16];
    static uint8_t rxbuf[EMG_MAX_WIRE], rxraw[EMG_MAX_WIRE];
    size_t all_len = 0;
    int n_frames = 0, n_rejects = 0, n_vectors = 0;
    FILE *fh;
    emg_rx_t rx;

    if (argc != 2) {
        fprintf(stderr, "usage: %s protocol-vectors.txt\n", argv[0]);
        return 2;
    }
    fh = fopen(argv[1], "r");
    if (!fh) {
        perror(argv[1]);
        return 2;
    }
    emg_rx_init(&rx, rxbuf, rxraw, sizeof rxbuf);
    while (fgets(line, sizeof line, fh)) {
        char *name, *kind, *fields, *hexcol;
        size_t want_n, got_n;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        name = strtok(line, "\t");
        kind = strtok(NULL, "\t");
        fields = strtok(NULL, "\t");
        hexcol = strtok(NULL, "\t");
        if (!hexcol) { /* empty fields column (e.g. crc of "") */
            hexcol = fields;
            fields = "";
        }
        n_vectors++;
        want_n = unhex(hexcol, want, sizeof want);
        if (!strcmp(kind, "crc")) {
            char ascii[256];

            if (!field(fields, "ascii", ascii, sizeof ascii))
                ascii[0] = '\0';
            CHECK(emg_crc16((const uint8_t *)ascii, strlen(ascii)) == strtoul(hexcol, NULL, 16),
                  "%s: crc 0x%04x", name, emg_crc16((const uint8_t *)ascii, strlen(ascii)));
        } else if (!strcmp(kind, "reject")) {
            int frames = 0, bad = 0, r;
            emg_rx_t one;
            uint8_t b1[EMG_MAX_WIRE], b2[EMG_MAX_WIRE];
            emg_rx_init(&one, b1, b2, sizeof b1);
            r = feed(&one, want, want_n, &frames, &bad);
            CHECK(frames == 0 && bad == 1 && r == reason_code(fields),
                  "%s: expected reject %d, got result %d (frames %d, bad %d)", name,
                  reason_code(fields), r, frames, bad);
            memcpy(all + all_len, want, want_n);
            all_len += want_n;
            n_rejects++;
        } else {
            int type = type_of(kind), frames = 0, bad = 0;
            emg_rx_t one;
            uint8_t b1[EMG_MAX_WIRE], b2[EMG_MAX_WIRE];
            CHECK(type > 0, "%s: unknown kind %s", name, kind);
            if (type <= 0)
                continue;
            got_n = build(type, fields, raw + 1);
            CHECK(got_n > 0, "%s: builder refused the fields", name);
            got_n = emg_cobs_encode_inplace(raw, got_n);
            tohex(raw, got_n, hex);
            CHECK(got_n == want_n && memcmp(raw, want, want_n) == 0, "%s: built %s", name, hex);
            emg_rx_init(&one, b1, b2, sizeof b1);
            feed(&one, want, want_n, &frames, &bad);
            CHECK(frames == 1 && bad == 0, "%s: receiving the vector gave %d frames, %d bad", name,
                  frames, bad);
            if (frames == 1)
                check_parsed(name, type, fields, &one.frame);
            memcpy(all + all_len, want, want_n);
            all_len += want_n;
            n_frames++;
        }
    }
    fclose(fh);
    {
        /* Every vector back to back, damaged chunks included: each intact frame recovered,
         * each damaged chunk dropped and counted. */
        int frames = 0, bad = 0;
        feed(&rx, all, all_len, &frames, &bad);
        CHECK(frames == n_frames && bad == n_rejects, "stream: %d/%d frames, %d/%d bad", frames,
              n_frames, bad, n_rejects);
    }
    CHECK(n_vectors >= 20, "only %d vectors read from %s", n_vectors, argv[1]);
    CHECK(emg_max_samples_per_frame(8, EMG_FMT_INT16) == 14, "max samples 8ch int16");
    CHECK(emg_max_samples_per_frame(8, EMG_FMT_INT24) == 9, "max samples 8ch int24");
    test_cobs_roundtrip();
    test_rx_overflow();
    printf("%s: %d vectors (%d frames, %d rejects), %d checks, %d failures\n",
           failures ? "FAILED" : "OK", n_vectors, n_frames, n_rejects, checks, failures);
    return failures ? 1 : 0;
}
