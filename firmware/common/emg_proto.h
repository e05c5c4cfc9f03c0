/*
 * emg_proto.h - the emgfeedback wire protocol v1 in portable C (docs/protocol.md).
 *
 * Frame = header | body | crc, little-endian, COBS-encoded, ended by one 0x00:
 *   0  u8  protocol version (1)
 *   1  u8  frame type (EMG_T_*)
 *   2  u16 sequence number (+1 per frame from the same sender)
 *   4  ... body (per type)
 *   n  u16 CRC-16/CCITT-FALSE of bytes 0..n-1 (poly 0x1021, init 0xFFFF)
 *
 * No dynamic memory, no stdio, no floating-point arithmetic (a float gain is only copied as
 * its 4 bytes). The same file builds for AVR (avr-gcc), ESP32 and the host (gcc) tests.
 *
 * Builders write a RAW frame (header, body, CRC) into a caller buffer and return its length.
 * emg_cobs_encode_inplace() turns a raw frame that starts at buf[1] into the wire bytes
 * (COBS code byte at buf[0] ... 0x00 delimiter) without a second buffer.
 */
#ifndef EMG_PROTO_H
#define EMG_PROTO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EMG_PROTOCOL_VERSION 1u
#define EMG_HEADER_BYTES 4u
#define EMG_CRC_BYTES 2u
#define EMG_OVERHEAD (EMG_HEADER_BYTES + EMG_CRC_BYTES)
/* Largest raw frame (header + body + CRC) and largest wire frame (COBS code + raw + 0x00). */
#define EMG_MAX_FRAME 240u
#define EMG_MAX_WIRE (EMG_MAX_FRAME + 2u)
#define EMG_SAMPLES_HEAD 7u   /* u32 sample index, u8 channels, u8 samples, u8 format */
#define EMG_INFO_HEAD 16u     /* u8 ch, u32 fs, u8 bits, u8 fmt, f32 gain, u8 spf, u8 fw[3], u8 name len */
#define EMG_STATUS_BODY 10u
#define EMG_ACK_BODY 4u
#define EMG_RATE_BODY 4u
#define EMG_MAX_BOARD_NAME 32u

/* Frame types: board -> host below 0x10, host -> board from 0x10. */
enum emg_frame_type {
    EMG_T_DEVICE_INFO = 0x01,
    EMG_T_SAMPLES = 0x02,
    EMG_T_STATUS = 0x03,
    EMG_T_ACK = 0x04,
    EMG_T_START = 0x10,
    EMG_T_STOP = 0x11,
    EMG_T_INFO = 0x12,
    EMG_T_SET_RATE = 0x13
};

enum emg_sample_format { EMG_FMT_INT16 = 0, EMG_FMT_INT24 = 1 };

enum emg_ack_result {
    EMG_ACK_OK = 0,
    EMG_ACK_UNKNOWN_COMMAND = 1,
    EMG_ACK_BAD_ARGUMENT = 2,
    EMG_ACK_BUSY = 3
};

/* Why a received chunk was dropped (same order of checks as the Python codec). */
enum emg_parse_result {
    EMG_OK = 0,
    EMG_ERR_COBS = -1,     /* bad COBS encoding */
    EMG_ERR_LENGTH = -2,   /* frame too short/long, or body of the wrong size for its type */
    EMG_ERR_CRC = -3,      /* CRC mismatch */
    EMG_ERR_VERSION = -4,  /* another protocol version */
    EMG_ERR_TYPE = -5      /* unknown frame type */
};

typedef struct {
    const char *board;          /* ASCII, at most 32 characters */
    uint8_t n_channels;         /* 1..32 */
    uint32_t fs_mhz;            /* sample rate, mHz */
    uint8_t adc_bits;
    uint8_t format;             /* enum emg_sample_format */
    uint8_t uv_per_count[4];    /* float32 little-endian bytes: µV at the electrode per count */
    uint8_t samples_per_frame;
    uint8_t firmware[3];        /* major, minor, patch */
} emg_info_t;

typedef struct {
    uint16_t lead_off;          /* bit i: electrode off on channel i */
    uint8_t battery_pct;        /* 0..100, 255 unknown */
    uint32_t dropped_samples;   /* since boot */
    uint16_t error_count;       /* since boot */
    uint8_t error_code;         /* last error, 0 none */
} emg_status_t;

/* A parsed frame: header fields plus a view of the body (points into the raw buffer). */
typedef struct {
    uint8_t type;
    uint16_t seq;
    const uint8_t *body;
    uint16_t body_len;
} emg_frame_t;

/* ---- checksums and framing ---- */
uint16_t emg_crc16_update(uint16_t crc, uint8_t byte);
uint16_t emg_crc16(const uint8_t *data, size_t n);
/* COBS-encode n (< 254) bytes to out (n + 1 bytes, no delimiter); returns n + 1. */
size_t emg_cobs_encode(const uint8_t *in, size_t n, uint8_t *out);
/* Encode the raw frame stored at buf[1..n] in place; writes buf[0] and buf[n+1] = 0x00.
 * Returns the wire length n + 2. Requires n < 254. */
size_t emg_cobs_encode_inplace(uint8_t *buf, size_t n);
/* COBS-decode n bytes (no delimiter) into out (capacity cap); returns the decoded length or
 * EMG_ERR_COBS (bad code byte, a 0x00 inside, overflow of cap). */
int emg_cobs_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap);

/* ---- builders: write a raw frame to raw (at least EMG_MAX_FRAME bytes, or the exact size);
 * return its length, or 0 when a field does not fit the wire format ---- */
size_t emg_build_info(uint8_t *raw, uint16_t seq, const emg_info_t *info);
/* counts are sample-major (s0c0, s0c1, ...), n_channels * n_samples values */
size_t emg_build_samples16(uint8_t *raw, uint16_t seq, uint32_t sample_index, uint8_t n_channels,
                           uint8_t n_samples, const int16_t *counts);
size_t emg_build_samples24(uint8_t *raw, uint16_t seq, uint32_t sample_index, uint8_t n_channels,
                           uint8_t n_samples, const int32_t *counts);
size_t emg_build_status(uint8_t *raw, uint16_t seq, const emg_status_t *status);
size_t emg_build_ack(uint8_t *raw, uint16_t seq, uint8_t command, uint16_t command_seq,
                     uint8_t result);
/* START / STOP / INFO (fs_mhz ignored) or SET_RATE (fs_mhz used): host commands. */
size_t emg_build_command(uint8_t *raw, uint16_t seq, uint8_t type, uint32_t fs_mhz);
/* Start a samples frame whose counts the caller writes itself (saves a copy on small MCUs);
 * returns the offset of the first count. Finish with emg_finish_frame(raw, total_without_crc). */
size_t emg_begin_samples(uint8_t *raw, uint16_t seq, uint32_t sample_index, uint8_t n_channels,
                         uint8_t n_samples, uint8_t format);
size_t emg_finish_frame(uint8_t *raw, size_t len_without_crc);
/* Most samples per channel one frame holds for this channel count and format. */
uint8_t emg_max_samples_per_frame(uint8_t n_channels, uint8_t format);

/* ---- parsing ---- */
/* Validate a raw (COBS-decoded) frame: size, CRC, version, type, body size. */
int emg_parse_frame(const uint8_t *raw, size_t n, emg_frame_t *out);
/* Fields of parsed frames (call only for the matching type). */
uint32_t emg_get_u32(const uint8_t *p);
uint16_t emg_get_u16(const uint8_t *p);
uint32_t emg_command_fs_mhz(const emg_frame_t *f);           /* SET_RATE */
int32_t emg_sample_count(const emg_frame_t *f, uint8_t sample, uint8_t channel); /* SAMPLES */

/* ---- receiving a byte stream: resync at each 0x00, at most the damaged chunk is lost ---- */
typedef struct {
    uint8_t *buf;          /* caller storage for one encoded chunk */
    uint16_t cap;          /* its size; longer chunks are dropped as EMG_ERR_LENGTH */
    uint16_t len;
    uint8_t overflow;      /* the current chunk was too long: skip to the next 0x00 */
    uint8_t *raw;          /* caller storage for the decoded frame (cap bytes) */
    emg_frame_t frame;     /* the last frame completed */
    uint16_t bad_chunks;   /* damaged chunks dropped */
} emg_rx_t;

void emg_rx_init(emg_rx_t *rx, uint8_t *buf, uint8_t *raw, uint16_t cap);
/* Feed one byte. Returns 1 when it completed a valid frame (in rx->frame), 0 when more bytes
 * are needed, or a negative EMG_ERR_* when it ended a damaged chunk (already counted). */
int emg_rx_push(emg_rx_t *rx, uint8_t byte);

#ifdef __cplusplus
}
#endif
#endif /* EMG_PROTO_H */
