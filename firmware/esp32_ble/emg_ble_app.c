/* emg_ble_app.c - radio-independent ESP32 BLE firmware logic (see emg_ble_app.h). */
#include "emg_ble_app.h"

static int app_send(void *ctx, const uint8_t *wire, size_t n)
{
    emg_ble_app_t *app = (emg_ble_app_t *)ctx;
    return app->notify(app->ctx, wire, n);
}

static void app_start(void *ctx)
{
    emg_ble_app_t *app = (emg_ble_app_t *)ctx;
    app->n_pending = 0;
    app->since_status = 0;
    if (app->start)
        app->start(app->ctx);
}

static void app_stop(void *ctx)
{
    emg_ble_app_t *app = (emg_ble_app_t *)ctx;
    app->n_pending = 0;
    if (app->stop)
        app->stop(app->ctx);
}

static uint8_t app_set_rate(void *ctx, uint32_t fs_mhz)
{
    emg_ble_app_t *app = (emg_ble_app_t *)ctx;
    if (fs_mhz < 1000u) /* under 1 Hz: nonsense, and the status cadence needs >= 1 Hz */
        return EMG_ACK_BAD_ARGUMENT;
    if (app->set_rate)
        return app->set_rate(app->ctx, fs_mhz);
    return fs_mhz == app->board.info.fs_mhz ? EMG_ACK_OK : EMG_ACK_BAD_ARGUMENT;
}

int emg_ble_app_init(emg_ble_app_t *app, const emg_ble_config_t *cfg)
{
    uint8_t i;
    if (cfg->n_channels == 0 || cfg->n_channels > EMG_BLE_MAX_CHANNELS || cfg->notify == 0
        || cfg->fs_mhz < 1000u)
        return -1;
    app->ctx = cfg->ctx;
    app->notify = cfg->notify;
    app->start = cfg->start;
    app->stop = cfg->stop;
    app->set_rate = cfg->set_rate;
    app->n_pending = 0;
    app->first_index = app->next_index = 0;
    app->since_status = 0;
    emg_rx_init(&app->rx, app->rx_buf, app->rx_raw, sizeof app->rx_buf);
    app->board.info.board = cfg->board;
    app->board.info.n_channels = cfg->n_channels;
    app->board.info.fs_mhz = cfg->fs_mhz;
    app->board.info.adc_bits = cfg->adc_bits;
    app->board.info.format = EMG_FMT_INT24;
    for (i = 0; i < 4; i++)
        app->board.info.uv_per_count[i] = cfg->uv_per_count[i];
    app->board.info.samples_per_frame = EMG_BLE_SAMPLES_PER_FRAME;
    for (i = 0; i < 3; i++)
        app->board.info.firmware[i] = cfg->firmware[i];
    app->board.status.lead_off = 0;
    app->board.status.battery_pct = 255;
    app->board.status.dropped_samples = 0;
    app->board.status.error_count = 0;
    app->board.status.error_code = 0;
    app->board.scratch = app->scratch;
    app->board.ctx = app;
    app->board.set_rate = app_set_rate;
    app->board.start = app_start;
    app->board.stop = app_stop;
    app->board.send = app_send;
    emg_board_boot(&app->board);
    return 0;
}

void emg_ble_app_on_write(emg_ble_app_t *app, const uint8_t *data, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        int r = emg_rx_push(&app->rx, data[i]);
        if (r == 1)
            emg_board_command(&app->board, &app->rx.frame);
        else if (r < 0)
            emg_board_rx_error(&app->board, r);
    }
}

static void flush(emg_ble_app_t *app)
{
    emg_board_t *b = &app->board;
    uint8_t n = app->n_pending;
    size_t len;
    if (n == 0)
        return;
    len = emg_build_samples24(app->scratch + 1, emg_board_take_seq(b), app->first_index,
                              b->info.n_channels, n, app->pending);
    app->n_pending = 0;
    if (len == 0 || emg_board_send_raw(b, len) != 0)
        emg_board_dropped(b, n, EMG_E_TX_FULL);
    app->since_status += n;
    if (app->since_status >= b->info.fs_mhz / 1000u) {
        app->since_status = 0;
        emg_board_send_status(b);
    }
}

void emg_ble_app_on_sample(emg_ble_app_t *app, const int32_t *counts)
{
    uint8_t c, n_ch = app->board.info.n_channels;
    int32_t *dst;
    if (!app->board.streaming)
        return;
    if (app->n_pending == 0)
        app->first_index = app->next_index;
    dst = app->pending + (size_t)app->n_pending * n_ch;
    for (c = 0; c < n_ch; c++) {
        int32_t v = counts[c];
        dst[c] = v > 8388607L ? 8388607L : (v < -8388608L ? -8388608L : v);
    }
    app->n_pending++;
    app->next_index++;
    if (app->n_pending == EMG_BLE_SAMPLES_PER_FRAME)
        flush(app);
}

void emg_ble_app_on_missed(emg_ble_app_t *app, uint32_t n_samples)
{
    if (!app->board.streaming || n_samples == 0)
        return;
    flush(app); /* the frame before the gap goes out short; the gap shows in sample_index */
    app->next_index += n_samples;
    emg_board_dropped(&app->board, n_samples, EMG_E_ADC_OVERRUN);
}

void emg_ble_app_on_disconnect(emg_ble_app_t *app)
{
    if (app->board.streaming) {
        app->board.streaming = 0;
        app_stop(app);
    }
}
