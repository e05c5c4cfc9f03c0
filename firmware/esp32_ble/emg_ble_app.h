/*
 * emg_ble_app.h - the radio-independent part of the ESP32 BLE firmware: host writes in,
 * frames out as notifications (one COBS frame with its 0x00 per notification), samples framed
 * as INT24 (ADS1299-class front end). The NimBLE glue (main/main.c) only moves bytes.
 * Host-tested with gcc (firmware/tests/test_board.c).
 */
#ifndef EMG_BLE_APP_H
#define EMG_BLE_APP_H

#include "emg_board.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EMG_BLE_MAX_CHANNELS 8u
#define EMG_BLE_SAMPLES_PER_FRAME 8u /* 8 ch x 8 x 3 B + 13 = 205 B raw, 207 on the wire: fits a 244 B notification */

typedef struct {
    const char *board;          /* e.g. "esp32_ads1299" */
    uint8_t n_channels;         /* 1..EMG_BLE_MAX_CHANNELS */
    uint32_t fs_mhz;            /* initial rate, mHz */
    uint8_t adc_bits;
    uint8_t uv_per_count[4];    /* float32 LE */
    uint8_t firmware[3];
    void *ctx;
    int (*notify)(void *ctx, const uint8_t *data, size_t n);   /* 0 sent, -1 no room */
    uint8_t (*set_rate)(void *ctx, uint32_t fs_mhz);            /* may be NULL */
    void (*start)(void *ctx);
    void (*stop)(void *ctx);
} emg_ble_config_t;

typedef struct {
    emg_board_t board;
    emg_rx_t rx;
    uint8_t rx_buf[32], rx_raw[32];
    uint8_t scratch[EMG_SCRATCH_BYTES(EMG_MAX_FRAME)];
    int32_t pending[EMG_BLE_SAMPLES_PER_FRAME * EMG_BLE_MAX_CHANNELS];
    uint8_t n_pending;
    uint32_t first_index, next_index;
    uint32_t since_status;
    void *ctx;
    int (*notify)(void *ctx, const uint8_t *data, size_t n);
    void (*start)(void *ctx);
    void (*stop)(void *ctx);
    uint8_t (*set_rate)(void *ctx, uint32_t fs_mhz);
} emg_ble_app_t;

/* Fill in the app and send the boot DEVICE_INFO. Returns 0, or -1 for a bad config. */
int emg_ble_app_init(emg_ble_app_t *app, const emg_ble_config_t *cfg);
/* Bytes the host wrote to the RX characteristic (frames may span writes). */
void emg_ble_app_on_write(emg_ble_app_t *app, const uint8_t *data, size_t n);
/* One sample set (n_channels counts, 24-bit signed) from the ADC task; ignored when stopped.
 * A sample the ADC could not deliver is reported with emg_ble_app_on_missed(). */
void emg_ble_app_on_sample(emg_ble_app_t *app, const int32_t *counts);
void emg_ble_app_on_missed(emg_ble_app_t *app, uint32_t n_samples);
/* The central went away: stop streaming (the next central starts it again). */
void emg_ble_app_on_disconnect(emg_ble_app_t *app);

#ifdef __cplusplus
}
#endif
#endif /* EMG_BLE_APP_H */
