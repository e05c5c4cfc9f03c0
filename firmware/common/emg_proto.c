/*
 * emg_proto.c - emgfeedback wire protocol v1: CRC, COBS, frame builders, parser, stream
 * receiver. Portable C99, no dynamic memory. See emg_proto.h and docs/protocol.md.
 */
#include "emg_proto.h"

/* ------------------------------------------------------------------ little-endian helpers */
static uint8_t *put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    return p + 2;
}

static uint8_t *put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
    return p + 4;
}

uint16_t emg_get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | ((uint16_t)p[1] << 8));
}

uint32_t emg_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* ------------------------------------------------------------------ CRC-16/CCITT-FALSE */
uint16_t emg_crc16_update(uint16_t crc, uint8_t byte)
{
    uint8_t i;
    crc ^= (uint16_t)byte << 8;
    for (i = 0; i < 8; i++)
        crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u) : (uint16_t)(crc << 1);
    return crc;
}

uint16_t emg_crc16(const uint8_t *data, size_t n)
{
    uint16_t crc = 0xFFFFu;
    while (n--)
        crc = emg_crc16_update(crc, *data++);
    return crc;
}

/* ------------------------------------------------------------------ COBS */
size_t emg_cobs_encode(const uint8_t *in, size_t n, uint8_t *out)
{
    size_t i;
    for (i = 0; i < n; i++)
        out[i + 1] = in[i];
    return emg_cobs_encode_inplace(out, n) - 1; /* without the delimiter */
}

size_t emg_cobs_encode_inplace(uint8_t *buf, size_t n)
{
    /* Raw bytes sit at buf[1..n]. Each zero becomes the distance to the next zero (or to the
     * end); buf[0] holds the distance to the first. Frames are < 254 bytes, so no 0xFF runs. */
    size_t code_at = 0, i;
    for (i = 1; i <= n; i++) {
        if (buf[i] == 0) {
            buf[code_at] = (uint8_t)(i - code_at);
            code_at = i;
        }
    }
    buf[code_at] = (uint8_t)(n + 1 - code_at);
    buf[n + 1] = 0x00;
    return n + 2;
}

int emg_cobs_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    size_t i = 0, o = 0;
    while (i < n) {
        uint8_t code = in[i++];
        uint8_t k;
        if (code == 0)
            return EMG_ERR_COBS;
        for (k = 1; k < code; k++) {
            if (i >= n || in[i] == 0 || o >= cap)
                return EMG_ERR_COBS;
            out[o++] = in[i++];
        }
        if (code != 0xFF && i < n) {
            if (o >= cap)
                return EMG_ERR_COBS;
            out[o++] = 0;
        }
    }
    return (int)o;
}

/* ------------------------------------------------------------------ builders */
static uint8_t *put_header(uint8_t *raw, uint8_t type, uint16_t seq)
{
    raw[0] = EMG_PROTOCOL_VERSION;
    raw[1] = type;
    return put_u16(raw + 2, seq);
}

size_t emg_finish_frame(uint8_t *raw, size_t len)
{
    put_u16(raw + len, emg_crc16(raw, len));
    return len + EMG_CRC_BYTES;
}

uint8_t emg_max_samples_per_frame(uint8_t n_channels, uint8_t format)
{
    unsigned room = EMG_MAX_FRAME - EMG_OVERHEAD - EMG_SAMPLES_HEAD;
    unsigned width = format == EMG_FMT_INT24 ? 3u : 2u;
    unsigned n;
    if (n_channels == 0)
        return 0;
    n = room / (n_channels * width);
    return (uint8_t)(n > 255u ? 255u : n);
}

size_t emg_build_info(uint8_t *raw, uint16_t seq, const emg_info_t *info)
{
    size_t name_len = 0;
    uint8_t *p;
    while (info->board[name_len] != '\0') {
        if (++name_len > EMG_MAX_BOARD_NAME)
            return 0;
    }
    if (info->n_channels == 0 || info->n_channels > 32 || info->format > EMG_FMT_INT24)
        return 0;
    p = put_header(raw, EMG_T_DEVICE_INFO, seq);
    *p++ = info->n_channels;
    p = put_u32(p, info->fs_mhz);
    *p++ = info->adc_bits;
    *p++ = info->format;
    *p++ = info->uv_per_count[0];
    *p++ = info->uv_per_count[1];
    *p++ = info->uv_per_count[2];
    *p++ = info->uv_per_count[3];
    *p++ = info->samples_per_frame;
    *p++ = info->firmware[0];
    *p++ = info->firmware[1];
    *p++ = info->firmware[2];
    *p++ = (uint8_t)name_len;
    for (size_t i = 0; i < name_len; i++)
        *p++ = (uint8_t)info->board[i];
    return emg_finish_frame(raw, (size_t)(p - raw));
}

size_t emg_begin_samples(uint8_t *raw, uint16_t seq, uint32_t sample_index, uint8_t n_channels,
                         uint8_t n_samples, uint8_t format)
{
    uint8_t *p;
    if (n_channels == 0 || n_channels > 32 || n_samples == 0 || format > EMG_FMT_INT24
        || n_samples > emg_max_samples_per_frame(n_channels, format))
        return 0;
    p = put_header(raw, EMG_T_SAMPLES, seq);
    p = put_u32(p, sample_index);
    *p++ = n_channels;
    *p++ = n_samples;
    *p++ = format;
    return (size_t)(p - raw);
}

size_t emg_build_samples16(uint8_t *raw, uint16_t seq, uint32_t sample_index, uint8_t n_channels,
                           uint8_t n_samples, const int16_t *counts)
{
    size_t off = emg_begin_samples(raw, seq, sample_index, n_channels, n_samples, EMG_FMT_INT16);
    size_t i, n = (size_t)n_channels * n_samples;
    if (off == 0)
        return 0;
    for (i = 0; i < n; i++)
        put_u16(raw + off + 2 * i, (uint16_t)counts[i]);
    return emg_finish_frame(raw, off + 2 * n);
}

size_t emg_build_samples24(uint8_t *raw, uint16_t seq, uint32_t sample_index, uint8_t n_channels,
                           uint8_t n_samples, const int32_t *counts)
{
    size_t off = emg_begin_samples(raw, seq, sample_index, n_channels, n_samples, EMG_FMT_INT24);
    size_t i, n = (size_t)n_channels * n_samples;
    if (off == 0)
        return 0;
    for (i = 0; i < n; i++) {
        int32_t c = counts[i];
        if (c < -8388608L || c > 8388607L)
            return 0;
        raw[off + 3 * i] = (uint8_t)c;
        raw[off + 3 * i + 1] = (uint8_t)((uint32_t)c >> 8);
        raw[off + 3 * i + 2] = (uint8_t)((uint32_t)c >> 16);
    }
    return emg_finish_frame(raw, off + 3 * n);
}

size_t emg_build_status(uint8_t *raw, uint16_t seq, const emg_status_t *s)
{
    uint8_t *p = put_header(raw, EMG_T_STATUS, seq);
    p = put_u16(p, s->lead_off);
    *p++ = s->battery_pct;
    p = put_u32(p, s->dropped_samples);
    p = put_u16(p, s->error_count);
    *p++ = s->error_code;
    return emg_finish_frame(raw, (size_t)(p - raw));
}

size_t emg_build_ack(uint8_t *raw, uint16_t seq, uint8_t command, uint16_t command_seq,
                     uint8_t result)
{
    uint8_t *p = put_header(raw, EMG_T_ACK, seq);
    *p++ = command;
    p = put_u16(p, command_seq);
    *p++ = result;
    return emg_finish_frame(raw, (size_t)(p - raw));
}

size_t emg_build_command(uint8_t *raw, uint16_t seq, uint8_t type, uint32_t fs_mhz)
{
    uint8_t *p;
    if (type < EMG_T_START || type > EMG_T_SET_RATE)
        return 0;
    p = put_header(raw, type, seq);
    if (type == EMG_T_SET_RATE)
        p = put_u32(p, fs_mhz);
    return emg_finish_frame(raw, (size_t)(p - raw));
}

/* ------------------------------------------------------------------ parsing */
static int body_ok(const uint8_t *body, size_t len, uint8_t type)
{
    switch (type) {
    case EMG_T_SAMPLES: {
        uint8_t n_ch, n, fmt;
        if (len < EMG_SAMPLES_HEAD)
            return 0;
        n_ch = body[4];
        n = body[5];
        fmt = body[6];
        if (fmt > EMG_FMT_INT24 || n_ch == 0 || n == 0)
            return 0;
        return len == EMG_SAMPLES_HEAD + (size_t)n_ch * n * (fmt == EMG_FMT_INT24 ? 3u : 2u);
    }
    case EMG_T_DEVICE_INFO:
        if (len < EMG_INFO_HEAD)
            return 0;
        if (body[6] > EMG_FMT_INT24 || body[0] == 0 || emg_get_u32(body + 1) == 0)
            return 0;
        return len == EMG_INFO_HEAD + (size_t)body[EMG_INFO_HEAD - 1];
    case EMG_T_STATUS:
        return len == EMG_STATUS_BODY;
    case EMG_T_ACK:
        return len == EMG_ACK_BODY && body[3] <= EMG_ACK_BUSY;
    case EMG_T_SET_RATE:
        return len == EMG_RATE_BODY;
    default: /* START, STOP, INFO */
        return len == 0;
    }
}

int emg_parse_frame(const uint8_t *raw, size_t n, emg_frame_t *out)
{
    uint8_t type;
    if (n < EMG_OVERHEAD || n > EMG_MAX_FRAME)
        return EMG_ERR_LENGTH;
    if (emg_crc16(raw, n - EMG_CRC_BYTES) != emg_get_u16(raw + n - EMG_CRC_BYTES))
        return EMG_ERR_CRC;
    if (raw[0] != EMG_PROTOCOL_VERSION)
        return EMG_ERR_VERSION;
    type = raw[1];
    if (!((type >= EMG_T_DEVICE_INFO && type <= EMG_T_ACK)
          || (type >= EMG_T_START && type <= EMG_T_SET_RATE)))
        return EMG_ERR_TYPE;
    if (!body_ok(raw + EMG_HEADER_BYTES, n - EMG_OVERHEAD, type))
        return EMG_ERR_LENGTH;
    out->type = type;
    out->seq = emg_get_u16(raw + 2);
    out->body = raw + EMG_HEADER_BYTES;
    out->body_len = (uint16_t)(n - EMG_OVERHEAD);
    return EMG_OK;
}

uint32_t emg_command_fs_mhz(const emg_frame_t *f)
{
    return emg_get_u32(f->body);
}

int32_t emg_sample_count(const emg_frame_t *f, uint8_t sample, uint8_t channel)
{
    uint8_t n_ch = f->body[4];
    const uint8_t *p;
    if (f->body[6] == EMG_FMT_INT16) {
        p = f->body + EMG_SAMPLES_HEAD + 2u * ((size_t)sample * n_ch + channel);
        return (int16_t)emg_get_u16(p);
    }
    p = f->body + EMG_SAMPLES_HEAD + 3u * ((size_t)sample * n_ch + channel);
    {
        uint32_t v = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16);
        return (v & 0x800000ul) ? (int32_t)(v | 0xFF000000ul) : (int32_t)v;
    }
}

/* ------------------------------------------------------------------ stream receiver */
void emg_rx_init(emg_rx_t *rx, uint8_t *buf, uint8_t *raw, uint16_t cap)
{
    rx->buf = buf;
    rx->raw = raw;
    rx->cap = cap;
    rx->len = 0;
    rx->overflow = 0;
    rx->bad_chunks = 0;
    rx->frame.type = 0;
}

int emg_rx_push(emg_rx_t *rx, uint8_t byte)
{
    int n, r;
    if (byte != 0) {
        if (rx->overflow)
            return 0;
        if (rx->len >= rx->cap) { /* too long for any frame we accept: drop it whole */
            rx->overflow = 1;
            rx->bad_chunks++;
            rx->len = 0;
            return EMG_ERR_LENGTH;
        }
        rx->buf[rx->len++] = byte;
        return 0;
    }
    if (rx->overflow) { /* the end of a chunk already counted */
        rx->overflow = 0;
        return 0;
    }
    if (rx->len == 0) /* empty chunk between delimiters: allowed, ignored */
        return 0;
    n = emg_cobs_decode(rx->buf, rx->len, rx->raw, rx->cap);
    rx->len = 0;
    r = n < 0 ? n : emg_parse_frame(rx->raw, (size_t)n, &rx->frame);
    if (r != EMG_OK) {
        rx->bad_chunks++;
        return r;
    }
    return 1;
}
