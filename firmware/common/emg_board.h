/*
 * emg_board.h - what every emgfeedback board does with host commands, independent of the
 * MCU and the link (UART on AVR, BLE notifications on ESP32). Host-tested with gcc.
 *
 *   INFO      -> DEVICE_INFO
 *   START     -> ACK OK, streaming on (ACK OK again when already streaming)
 *   STOP      -> ACK OK, streaming off
 *   SET_RATE  -> ACK BUSY while streaming; ACK BAD_ARGUMENT when the board's set_rate hook
 *                refuses the rate; else ACK OK followed by a DEVICE_INFO with the new rate
 *   a well-formed board-to-host frame sent to the board -> ACK UNKNOWN_COMMAND
 * A damaged chunk from the host is dropped and counted (error_count, EMG_E_BAD_COMMAND).
 */
#ifndef EMG_BOARD_H
#define EMG_BOARD_H

#include "emg_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

/* error_code values in STATUS frames: the table in docs/protocol.md (STATUS, offset 9). */
enum emg_error_code {
    EMG_E_NONE = 0,
    EMG_E_ADC_OVERRUN = 1,  /* a sample tick came before the previous conversions ended */
    EMG_E_TX_FULL = 2,      /* TX overflow: samples dropped, the link could not take them */
    EMG_E_BAD_COMMAND = 3,  /* a damaged or malformed frame from the host (dropped) */
    EMG_E_LOW_BATTERY = 4
};

/* Wire frames are built in scratch: one byte for the COBS code, the raw frame, one 0x00. */
#define EMG_SCRATCH_BYTES(max_raw) ((max_raw) + 2u)

typedef struct emg_board emg_board_t;

struct emg_board {
    emg_info_t info;          /* what DEVICE_INFO says; info.fs_mhz follows set_rate */
    emg_status_t status;      /* counters reported in STATUS frames */
    uint16_t seq;             /* next frame sequence number (DEVICE_INFO at boot has 0) */
    uint8_t streaming;
    uint8_t *scratch;         /* EMG_SCRATCH_BYTES(largest frame) bytes */
    void *ctx;                /* passed back to the hooks */
    /* hooks the board fills in (set_rate may be NULL: then only the current rate is accepted) */
    uint8_t (*set_rate)(void *ctx, uint32_t fs_mhz);       /* returns EMG_ACK_OK or _BAD_ARGUMENT */
    void (*start)(void *ctx);
    void (*stop)(void *ctx);
    /* queue the wire bytes wire[0..n-1] (COBS-encoded, 0x00 included); control frames must not
     * be dropped. Return 0 when queued, -1 when the link had no room (counted by the caller). */
    int (*send)(void *ctx, const uint8_t *wire, size_t n);
};

/* Send the boot DEVICE_INFO (seq 0). Call once, after filling in the struct. */
void emg_board_boot(emg_board_t *b);
/* Act on one parsed host frame. */
void emg_board_command(emg_board_t *b, const emg_frame_t *f);
/* Count a damaged chunk from the host (err is the negative EMG_ERR_* from emg_rx_push). */
void emg_board_rx_error(emg_board_t *b, int err);
/* Count samples lost on the board and remember why (EMG_E_ADC_OVERRUN / EMG_E_TX_FULL). */
void emg_board_dropped(emg_board_t *b, uint32_t n_samples, uint8_t why);
/* Send a STATUS frame with the current counters. Returns the send hook's result. */
int emg_board_send_status(emg_board_t *b);
/* Encode the raw frame at scratch[1..raw_len] in place and hand it to send(); the sequence
 * number written in the frame must be emg_board_take_seq()'s. Returns send()'s result. */
int emg_board_send_raw(emg_board_t *b, size_t raw_len);
/* The sequence number for the next frame (advances the counter). */
uint16_t emg_board_take_seq(emg_board_t *b);

#ifdef __cplusplus
}
#endif
#endif /* EMG_BOARD_H */
