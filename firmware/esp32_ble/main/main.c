/*
 * ESP32 BLE glue (ESP-IDF + NimBLE): advertises "EMG-1" with the emgfeedback service, sends each
 * frame as one notification on the data characteristic, feeds command-characteristic writes to
 * the shared logic (../emg_ble_app.c, host-tested). UUIDs: docs/protocol.md, "BLE".
 *
 * NOT BUILT OR RUN by this project's tests (no Xtensa toolchain in Debian); see ../README.md.
 * The ADC part is a placeholder timer producing a test ramp: wire your ADS1299 driver into
 * adc_task() (DRDY interrupt -> read 8 x 24-bit -> emg_ble_app_on_sample).
 */
#include <string.h>

#include "esp_log.h"
#include "esp_timer.h"
#include "freertos/FreeRTOS.h"
#include "freertos/semphr.h"
#include "host/ble_hs.h"
#include "nimble/nimble_port.h"
#include "nimble/nimble_port_freertos.h"
#include "nvs_flash.h"
#include "services/gap/ble_svc_gap.h"
#include "services/gatt/ble_svc_gatt.h"

#include "emg_ble_app.h"

static const char *TAG = "emg";
#define DEVICE_NAME "EMG-1"
#define N_CH 8

/* 45b50de9-f033-44d9-a696-43456b1215c7 and its siblings ...ea (data), ...eb (command);
 * NimBLE wants the 128-bit UUID bytes little-endian. */
#define EMG_UUID(last) BLE_UUID128_INIT(0xc7, 0x15, 0x12, 0x6b, 0x45, 0x43, 0x96, 0xa6, 0xd9, 0x44, \
                                        0x33, 0xf0, (last), 0x0d, 0xb5, 0x45)
static const ble_uuid128_t svc_uuid = EMG_UUID(0xe9);
static const ble_uuid128_t data_uuid = EMG_UUID(0xea);
static const ble_uuid128_t cmd_uuid = EMG_UUID(0xeb);

static uint16_t conn = BLE_HS_CONN_HANDLE_NONE, data_handle;
static uint8_t subscribed;
static emg_ble_app_t app;
static SemaphoreHandle_t app_lock; /* the app is used from the NimBLE task and the ADC timer */
static esp_timer_handle_t adc_timer;

static int notify(void *ctx, const uint8_t *data, size_t n)
{
    struct os_mbuf *om;
    (void)ctx;
    if (conn == BLE_HS_CONN_HANDLE_NONE || !subscribed)
        return -1;
    om = ble_hs_mbuf_from_flat(data, (uint16_t)n);
    if (!om)
        return -1;
    return ble_gatts_notify_custom(conn, data_handle, om) == 0 ? 0 : -1;
}

static void adc_tick(void *arg)
{
    static int32_t ramp;
    int32_t counts[N_CH];
    (void)arg;
    for (int c = 0; c < N_CH; c++)
        counts[c] = ramp + c * 1000; /* placeholder for the ADS1299 read */
    ramp = (ramp + 1) & 0xFFFF;
    xSemaphoreTake(app_lock, portMAX_DELAY);
    emg_ble_app_on_sample(&app, counts);
    xSemaphoreGive(app_lock);
}

static void hw_start(void *ctx)
{
    (void)ctx;
    esp_timer_start_periodic(adc_timer, 1000000ULL * 1000ULL / app.board.info.fs_mhz);
}

static void hw_stop(void *ctx)
{
    (void)ctx;
    esp_timer_stop(adc_timer);
}

static int on_access(uint16_t conn_handle, uint16_t attr_handle, struct ble_gatt_access_ctxt *ctxt,
                     void *arg)
{
    uint8_t buf[64];
    uint16_t len = 0;
    (void)conn_handle;
    (void)attr_handle;
    (void)arg;
    if (ctxt->op != BLE_GATT_ACCESS_OP_WRITE_CHR)
        return BLE_ATT_ERR_UNLIKELY;
    if (ble_hs_mbuf_to_flat(ctxt->om, buf, sizeof buf, &len) != 0)
        return BLE_ATT_ERR_INVALID_ATTR_VALUE_LEN;
    xSemaphoreTake(app_lock, portMAX_DELAY);
    emg_ble_app_on_write(&app, buf, len);
    xSemaphoreGive(app_lock);
    return 0;
}

static const struct ble_gatt_svc_def services[] = {
    {.type = BLE_GATT_SVC_TYPE_PRIMARY,
     .uuid = &svc_uuid.u,
     .characteristics = (struct ble_gatt_chr_def[]){
         {.uuid = &data_uuid.u, .access_cb = on_access, .val_handle = &data_handle,
          .flags = BLE_GATT_CHR_F_NOTIFY},
         {.uuid = &cmd_uuid.u, .access_cb = on_access, .flags = BLE_GATT_CHR_F_WRITE},
         {0}}},
    {0}};

static void advertise(void);

static int on_gap(struct ble_gap_event *event, void *arg)
{
    (void)arg;
    switch (event->type) {
    case BLE_GAP_EVENT_CONNECT:
        if (event->connect.status == 0)
            conn = event->connect.conn_handle;
        else
            advertise();
        break;
    case BLE_GAP_EVENT_DISCONNECT:
        conn = BLE_HS_CONN_HANDLE_NONE;
        subscribed = 0;
        xSemaphoreTake(app_lock, portMAX_DELAY);
        emg_ble_app_on_disconnect(&app);
        xSemaphoreGive(app_lock);
        advertise();
        break;
    case BLE_GAP_EVENT_SUBSCRIBE:
        if (event->subscribe.attr_handle == data_handle)
            subscribed = event->subscribe.cur_notify;
        break;
    default:
        break;
    }
    return 0;
}

static void advertise(void)
{
    struct ble_hs_adv_fields fields = {0};
    struct ble_hs_adv_fields rsp = {0};
    struct ble_gap_adv_params params = {0};
    uint8_t own_addr_type;
    ble_hs_id_infer_auto(0, &own_addr_type);
    fields.flags = BLE_HS_ADV_F_DISC_GEN | BLE_HS_ADV_F_BREDR_UNSUP;
    fields.name = (uint8_t *)DEVICE_NAME;
    fields.name_len = strlen(DEVICE_NAME);
    fields.name_is_complete = 1;
    ble_gap_adv_set_fields(&fields);
    rsp.uuids128 = (ble_uuid128_t *)&svc_uuid;
    rsp.num_uuids128 = 1;
    rsp.uuids128_is_complete = 1;
    ble_gap_adv_rsp_set_fields(&rsp);
    params.conn_mode = BLE_GAP_CONN_MODE_UND;
    params.disc_mode = BLE_GAP_DISC_MODE_GEN;
    ble_gap_adv_start(own_addr_type, NULL, BLE_HS_FOREVER, &params, on_gap, NULL);
}

static void on_sync(void)
{
    static const emg_ble_config_t cfg = {
        "esp32_ads1299", N_CH, 1000000u, 24, {0xff, 0x1a, 0xb7, 0x3c}, /* 0.02235174 µV (gain 24) */
        {1, 0, 0}, NULL, notify, NULL, hw_start, hw_stop};
    xSemaphoreTake(app_lock, portMAX_DELAY);
    emg_ble_app_init(&app, &cfg); /* the boot DEVICE_INFO goes nowhere: nobody is subscribed */
    xSemaphoreGive(app_lock);
    advertise();
}

static void host_task(void *param)
{
    (void)param;
    nimble_port_run();
    nimble_port_freertos_deinit();
}

void app_main(void)
{
    const esp_timer_create_args_t targs = {.callback = adc_tick, .name = "adc"};
    app_lock = xSemaphoreCreateMutex();
    esp_timer_create(&targs, &adc_timer);
    ESP_ERROR_CHECK(nvs_flash_init());
    ESP_ERROR_CHECK(nimble_port_init());
    ble_svc_gap_init();
    ble_svc_gatt_init();
    ble_gatts_count_cfg(services);
    ble_gatts_add_svcs(services);
    ble_svc_gap_device_name_set(DEVICE_NAME);
    ble_hs_cfg.sync_cb = on_sync;
    nimble_port_freertos_init(host_task);
    ESP_LOGI(TAG, "emgfeedback BLE firmware started");
}
