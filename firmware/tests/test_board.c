/*
 * Host tests of the shared command handling (common/emg_board.c) through the ESP32 BLE app
 * logic (esp32_ble/emg_ble_app.c): what the board answers to each command, how samples are
 * framed, counted and numbered, and what a damaged host frame costs. No radio involved: the
 * notify hook records every notification.
 */
#include <stdio.h>
#include <string.h>

#include "emg_ble_app.h"

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

/* ---------------------------------------------------------------- fake link and hardware */
#define MAX_NOTES 256
static struct {
    uint8_t data[MAX_NOTES][EMG_MAX_WIRE];
    size_t len[MAX_NOTES];
    int n;
    int refuse;          /* notify returns -1 (no room) while set */
    int started, stopped;
    uint32_t rate_asked;
} fake;

static int fake_notify(void *ctx, const uint8_t *d, size_t n)
{
    (void)ctx;
    if (fake.refuse)
        return -1;
    if (fake.n < MAX_NOTES) {
        memcpy(fake.data[fake.n], d, n);
        fake.len[fake.n] = n;
        fake.n++;
    }
    return 0;
}

static uint8_t fake_rate(void *ctx, uint32_t fs_mhz)
{
    (void)ctx;
    fake.rate_asked = fs_mhz;
    return (fs_mhz == 500000u || fs_mhz == 1000000u || fs_mhz == 2000000u) ? EMG_ACK_OK
                                                                            : EMG_ACK_BAD_ARGUMENT;
}

static void fake_start(void *ctx) { (void)ctx; fake.started++; }
static void fake_stop(void *ctx) { (void)ctx; fake.stopped++; }

/* Parse notification i (one whole wire frame, 0x00 last) into f; returns 1 when valid. */
static uint8_t parse_raw[EMG_MAX_WIRE];
static int parse_note(int i, emg_frame_t *f)
{
    int n;
    if (i >= fake.n || fake.len[i] < 2 || fake.data[i][fake.len[i] - 1] != 0)
        return 0;
    n = emg_cobs_decode(fake.data[i], fake.len[i] - 1, parse_raw, sizeof parse_raw);
    return n > 0 && emg_parse_frame(parse_raw, (size_t)n, f) == EMG_OK;
}

static void host_sends(emg_ble_app_t *app, uint8_t type, uint16_t seq, uint32_t fs_mhz, size_t split)
{
    uint8_t wire[EMG_MAX_WIRE];
    size_t n = emg_cobs_encode_inplace(wire, emg_build_command(wire + 1, seq, type, fs_mhz));
    /* BLE writes may cut a frame anywhere */
    if (split && split < n) {
        emg_ble_app_on_write(app, wire, split);
        emg_ble_app_on_write(app, wire + split, n - split);
    } else {
        emg_ble_app_on_write(app, wire, n);
    }
}

static void expect_ack(int note, uint8_t cmd, uint16_t cmd_seq, uint8_t result, const char *what)
{
    emg_frame_t f;
    int ok = parse_note(note, &f);
    CHECK(ok && f.type == EMG_T_ACK && f.body[0] == cmd && emg_get_u16(f.body + 1) == cmd_seq
              && f.body[3] == result,
          "%s: expected ACK(cmd 0x%02x, seq %u, result %u) as notification %d", what, cmd,
          cmd_seq, result, note);
}

static emg_ble_app_t app;

static void setup(void)
{
    static const emg_ble_config_t cfg = {
        "esp32_ads1299", 4, 1000000u, 24, {0xff, 0x1a, 0xb7, 0x3c}, {0, 3, 12},
        NULL, fake_notify, fake_rate, fake_start, fake_stop};
    memset(&fake, 0, sizeof fake);
    CHECK(emg_ble_app_init(&app, &cfg) == 0, "init refused a valid config");
}

/* ---------------------------------------------------------------- tests */
static void test_boot_and_info(void)
{
    emg_frame_t f;
    setup();
    CHECK(fake.n == 1 && parse_note(0, &f) && f.type == EMG_T_DEVICE_INFO && f.seq == 0,
          "boot: one DEVICE_INFO with seq 0");
    CHECK(f.body[0] == 4 && emg_get_u32(f.body + 1) == 1000000u && f.body[6] == EMG_FMT_INT24
              && f.body[11] == EMG_BLE_SAMPLES_PER_FRAME,
          "boot info fields: %u ch, %u mHz, fmt %u, spf %u", f.body[0], emg_get_u32(f.body + 1),
          f.body[6], f.body[11]);
    host_sends(&app, EMG_T_INFO, 40, 0, 3);
    CHECK(fake.n == 2 && parse_note(1, &f) && f.type == EMG_T_DEVICE_INFO && f.seq == 1,
          "INFO: answered with DEVICE_INFO seq 1 (n=%d)", fake.n);
}

static void test_start_stop_set_rate(void)
{
    emg_frame_t f;
    setup();
    host_sends(&app, EMG_T_SET_RATE, 1, 2000000u, 0);
    expect_ack(1, EMG_T_SET_RATE, 1, EMG_ACK_OK, "SET_RATE 2 kHz");
    CHECK(parse_note(2, &f) && f.type == EMG_T_DEVICE_INFO && emg_get_u32(f.body + 1) == 2000000u,
          "SET_RATE: DEVICE_INFO with the new rate follows the ACK");
    host_sends(&app, EMG_T_SET_RATE, 2, 1234000u, 0);
    expect_ack(3, EMG_T_SET_RATE, 2, EMG_ACK_BAD_ARGUMENT, "SET_RATE 1234 Hz");
    CHECK(app.board.info.fs_mhz == 2000000u && fake.n == 4, "a refused rate changes nothing");
    host_sends(&app, EMG_T_START, 3, 0, 2);
    expect_ack(4, EMG_T_START, 3, EMG_ACK_OK, "START");
    CHECK(app.board.streaming && fake.started == 1, "START starts the hardware once");
    host_sends(&app, EMG_T_START, 4, 0, 0);
    expect_ack(5, EMG_T_START, 4, EMG_ACK_OK, "START again");
    CHECK(fake.started == 1, "a second START does not restart the hardware");
    host_sends(&app, EMG_T_SET_RATE, 5, 500000u, 0);
    expect_ack(6, EMG_T_SET_RATE, 5, EMG_ACK_BUSY, "SET_RATE while streaming");
    CHECK(fake.rate_asked == 1234000u, "the rate hook is not asked while streaming");
    host_sends(&app, EMG_T_STOP, 6, 0, 1);
    expect_ack(7, EMG_T_STOP, 6, EMG_ACK_OK, "STOP");
    CHECK(!app.board.streaming && fake.stopped == 1, "STOP stops the hardware");
    for (int i = 1; i < fake.n; i++)
        CHECK(parse_note(i, &f) && f.seq == (uint16_t)i, "frame %d has seq %u", i, f.seq);
}

static void test_samples_and_gaps(void)
{
    emg_frame_t f;
    int32_t counts[4];
    int first_note;
    uint32_t expected_index = 0;
    setup();
    host_sends(&app, EMG_T_START, 1, 0, 0);
    first_note = fake.n;
    for (int32_t s = 0; s < 20; s++) {
        for (int c = 0; c < 4; c++)
            counts[c] = (s * 4 + c) * 100000 - 4000000;
        if (s == 19)
            counts[3] = 9000000; /* out of 24-bit range: clipped, never wrapped */
        emg_ble_app_on_sample(&app, counts);
        if (s == 9)
            emg_ble_app_on_missed(&app, 3); /* ADC could not deliver 3 sample sets */
    }
    /* frames: samples 0..7, 8..9 (cut by the gap), 13..20 [after gap: 10 more samples -> 8 + 2 pending] */
    CHECK(parse_note(first_note, &f) && f.type == EMG_T_SAMPLES && emg_get_u32(f.body) == 0
              && f.body[5] == 8, "first samples frame: index 0, 8 samples");
    for (uint8_t s = 0; s < 8; s++)
        for (uint8_t c = 0; c < 4; c++)
            CHECK(emg_sample_count(&f, s, c) == (s * 4 + c) * 100000 - 4000000,
                  "count s%u c%u = %ld", s, c, (long)emg_sample_count(&f, s, c));
    expected_index = 8;
    CHECK(parse_note(first_note + 1, &f) && f.type == EMG_T_SAMPLES
              && emg_get_u32(f.body) == expected_index && f.body[5] == 2,
          "the frame before a gap goes out short (index %u, %u samples)", emg_get_u32(f.body),
          f.body[5]);
    CHECK(parse_note(first_note + 2, &f) && f.type == EMG_T_SAMPLES && emg_get_u32(f.body) == 13
              && f.body[5] == 8, "after a 3-sample gap the index jumps to 13 (got %u)",
          emg_get_u32(f.body));
    CHECK(app.board.status.dropped_samples == 3 && app.board.status.error_code == EMG_E_ADC_OVERRUN,
          "the gap is counted: dropped %u code %u", app.board.status.dropped_samples,
          app.board.status.error_code);
    /* finish the pending frame and check clipping */
    for (int s = 0; s < 6; s++)
        emg_ble_app_on_sample(&app, counts);
    CHECK(parse_note(fake.n - 1, &f) && f.type == EMG_T_SAMPLES
              && emg_sample_count(&f, 1, 3) == 8388607, "24-bit counts are clipped at 8388607");
    /* the link refuses: samples dropped and counted, seq still advances (host sees the gap) */
    fake.refuse = 1;
    for (int s = 0; s < 8; s++)
        emg_ble_app_on_sample(&app, counts);
    fake.refuse = 0;
    CHECK(app.board.status.dropped_samples == 11 && app.board.status.error_code == EMG_E_TX_FULL,
          "a refused notification counts its 8 samples (dropped %u)",
          app.board.status.dropped_samples);
    emg_ble_app_on_disconnect(&app);
    CHECK(!app.board.streaming && fake.stopped == 1, "disconnect stops streaming");
    emg_ble_app_on_sample(&app, counts);
    CHECK(app.n_pending == 0, "samples after STOP are ignored");
}

static void test_status_cadence(void)
{
    emg_frame_t f;
    int32_t counts[4] = {0, 0, 0, 0};
    int statuses = 0;
    setup();
    host_sends(&app, EMG_T_START, 1, 0, 0);
    for (int s = 0; s < 2000; s++) /* 2 s at 1 kHz */
        emg_ble_app_on_sample(&app, counts);
    for (int i = 0; i < fake.n; i++)
        if (parse_note(i, &f) && f.type == EMG_T_STATUS)
            statuses++;
    CHECK(statuses == 2, "one STATUS frame per second of samples, got %d in 2 s", statuses);
}

static void test_damaged_command(void)
{
    uint8_t wire[EMG_MAX_WIRE];
    size_t n;
    setup();
    n = emg_cobs_encode_inplace(wire, emg_build_command(wire + 1, 9, EMG_T_START, 0));
    wire[3] ^= 0x20; /* flip a bit in the CRC-covered part */
    emg_ble_app_on_write(&app, wire, n);
    CHECK(!app.board.streaming && fake.n == 1, "a damaged START is ignored");
    CHECK(app.board.status.error_count == 1 && app.board.status.error_code == EMG_E_BAD_COMMAND,
          "... and counted (errors %u, code %u)", app.board.status.error_count,
          app.board.status.error_code);
    host_sends(&app, EMG_T_START, 10, 0, 0);
    expect_ack(1, EMG_T_START, 10, EMG_ACK_OK, "the next START after damage");
    {   /* a well-formed STATUS frame sent to the board: not a command */
        emg_status_t st = {0, 255, 0, 0, 0};
        n = emg_cobs_encode_inplace(wire, emg_build_status(wire + 1, 11, &st));
        emg_ble_app_on_write(&app, wire, n);
        expect_ack(2, EMG_T_STATUS, 11, EMG_ACK_UNKNOWN_COMMAND, "a STATUS frame sent to the board");
    }
}

int main(void)
{
    test_boot_and_info();
    test_start_stop_set_rate();
    test_samples_and_gaps();
    test_status_cadence();
    test_damaged_command();
    printf("%s: board/app tests, %d checks, %d failures\n", failures ? "FAILED" : "OK", checks,
           failures);
    return failures ? 1 : 0;
}
