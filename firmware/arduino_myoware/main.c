/*
 * emgfeedback firmware for an ATmega328P (Arduino Uno/Nano) reading MyoWare-style analog EMG
 * sensors on ADC0..ADC(N_CHANNELS-1) and streaming the emgfeedback wire protocol over the UART.
 *
 * Timing: Timer1 in CTC mode fires at exactly fs (F_CPU / fs cycles, prescaler 1). Its ISR
 * starts the conversion of channel 0; the ADC ISR stores each result, switches the multiplexer
 * and starts the next channel; after the last channel the sample set is committed to a ring
 * buffer. The main loop packs SAMPLES_PER_FRAME sample sets into one frame, answers commands
 * and sends a STATUS frame once a second. A tick that finds the previous conversions still
 * running (ADC overrun) or the ring full is dropped and counted, and its sample index is
 * skipped, so the host sees the gap. Nothing allocates memory.
 *
 * Build: make (see Makefile and README.md). Configuration: board_config.h.
 */
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/sleep.h>
#include <string.h>
#include <util/atomic.h>

#include "board_config.h"
#include "emg_board.h"
#include "emg_proto.h"

#define RING_MASK (RING_SETS - 1u)
#define TX_MASK (TX_BYTES - 1u)
#define RX_MASK (RX_BYTES - 1u)
#define SCRATCH_RAW (EMG_OVERHEAD + EMG_SAMPLES_HEAD + 2u * N_CHANNELS * SAMPLES_PER_FRAME)

#if (RING_SETS & RING_MASK) || (TX_BYTES & TX_MASK) || (RX_BYTES & RX_MASK)
#error "RING_SETS, TX_BYTES and RX_BYTES must be powers of two"
#endif
#if TX_BYTES > 256 || RX_BYTES > 256 || RING_SETS > 128
#error "ring indices are 8-bit"
#endif
#if N_CHANNELS < 1 || N_CHANNELS > 8
#error "the ATmega328P has ADC0..ADC7: N_CHANNELS must be 1..8"
#endif

/* ---------------------------------------------------------------- sampling (ISR side) */
static volatile int16_t ring[RING_SETS][N_CHANNELS];
static volatile uint32_t ring_index[RING_SETS];
static volatile uint8_t ring_head, ring_tail;     /* ISR advances head, main advances tail */
static volatile uint32_t next_index;              /* sample index of the next tick */
static volatile uint8_t adc_channel;
static volatile uint8_t adc_busy;
static volatile uint16_t overruns, ring_full;     /* ticks dropped since main last looked */

ISR(TIMER1_COMPA_vect)
{
    uint32_t index = next_index;
    next_index = index + 1;
    if (adc_busy) {
        overruns++;
        return;
    }
    if (((ring_head + 1u) & RING_MASK) == ring_tail) {
        ring_full++;
        return;
    }
    ring_index[ring_head] = index;
    adc_channel = 0;
    adc_busy = 1;
    ADMUX = _BV(REFS0); /* AVcc reference, channel 0 */
    ADCSRA |= _BV(ADSC);
}

ISR(ADC_vect)
{
    uint8_t ch = adc_channel;
    uint16_t value = ADC; /* ADCL then ADCH */
    ring[ring_head][ch] = (int16_t)value - ADC_MIDSCALE;
    if (++ch < N_CHANNELS) {
        adc_channel = ch;
        ADMUX = _BV(REFS0) | ch;
        ADCSRA |= _BV(ADSC);
        return;
    }
    ring_head = (ring_head + 1u) & RING_MASK;
    adc_busy = 0;
}

/* ---------------------------------------------------------------- UART */
static volatile uint8_t tx_buf[TX_BYTES];
static volatile uint8_t tx_head, tx_tail;
static volatile uint8_t rx_buf[RX_BYTES];
static volatile uint8_t rx_head, rx_tail;
static volatile uint8_t rx_lost;

ISR(USART_UDRE_vect)
{
    if (tx_head != tx_tail) {
        UDR0 = tx_buf[tx_tail];
        tx_tail = (tx_tail + 1u) & TX_MASK;
    } else {
        UCSR0B &= (uint8_t)~_BV(UDRIE0);
    }
}

ISR(USART_RX_vect)
{
    uint8_t byte = UDR0;
    uint8_t next = (rx_head + 1u) & RX_MASK;
    if (next == rx_tail) {
        rx_lost = 1;
        return;
    }
    rx_buf[rx_head] = byte;
    rx_head = next;
}

static uint8_t tx_free(void)
{
    return (uint8_t)((tx_tail - tx_head - 1u) & TX_MASK);
}

static void tx_queue(const uint8_t *wire, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        tx_buf[tx_head] = wire[i];
        tx_head = (tx_head + 1u) & TX_MASK;
    }
    UCSR0B |= _BV(UDRIE0);
}

/* send hook: control frames wait for room (the UART always drains); never dropped */
static int uart_send(void *ctx, const uint8_t *wire, size_t n)
{
    (void)ctx;
    while (tx_free() < n) {
    }
    tx_queue(wire, n);
    return 0;
}

static void uart_init(void)
{
    UCSR0A = _BV(U2X0); /* before UBRR0: simavr derives the baud rate when UBRR0 is written */
    UBRR0 = UART_UBRR;
    UCSR0C = _BV(UCSZ01) | _BV(UCSZ00); /* 8N1 */
    UCSR0B = _BV(RXEN0) | _BV(TXEN0) | _BV(RXCIE0);
}

/* ---------------------------------------------------------------- board hooks */
static uint8_t scratch[EMG_SCRATCH_BYTES(SCRATCH_RAW)];
static emg_board_t board;
static uint16_t status_countdown; /* sample sets until the next STATUS frame */
static uint16_t fs_hz = DEFAULT_FS_HZ;

/* ADC prescaler bits for a rate: 128 (125 kHz ADC clock, full 10-bit accuracy) when the
 * conversions fit 75 % of the period, else 64 (250 kHz). 0 when even that does not fit. */
static uint8_t adc_prescaler_bits(uint16_t hz)
{
    uint32_t period = F_CPU / hz;
    uint32_t chain128 = (uint32_t)N_CHANNELS * (13u * 128u + ISR_CYCLES) + ISR_CYCLES;
    uint32_t chain64 = (uint32_t)N_CHANNELS * (13u * 64u + ISR_CYCLES) + ISR_CYCLES;
    if (chain128 * 4u <= period * 3u)
        return _BV(ADPS2) | _BV(ADPS1) | _BV(ADPS0);
    if (chain64 * 10u <= period * 9u)
        return _BV(ADPS2) | _BV(ADPS1);
    return 0;
}

static void apply_rate(uint16_t hz)
{
    fs_hz = hz;
    OCR1A = (uint16_t)(F_CPU / hz - 1u);
    ADCSRA = (uint8_t)(_BV(ADEN) | _BV(ADIE) | adc_prescaler_bits(hz));
}

static uint8_t set_rate(void *ctx, uint32_t fs_mhz)
{
    uint32_t hz = fs_mhz / 1000u;
    (void)ctx;
    if (fs_mhz % 1000u != 0 || hz < MIN_FS_HZ || hz > MAX_FS_HZ || F_CPU % hz != 0
        || adc_prescaler_bits((uint16_t)hz) == 0)
        return EMG_ACK_BAD_ARGUMENT;
    apply_rate((uint16_t)hz);
    return EMG_ACK_OK;
}

static void start(void *ctx)
{
    (void)ctx;
    ATOMIC_BLOCK(ATOMIC_RESTORESTATE)
    {
        ring_head = ring_tail = 0;
        adc_busy = 0;
        overruns = ring_full = 0;
    }
    status_countdown = fs_hz;
    TCNT1 = 0;
    TIFR1 = _BV(OCF1A);
    TIMSK1 = _BV(OCIE1A);
}

static void stop(void *ctx)
{
    (void)ctx;
    TIMSK1 = 0;
    while (adc_busy) { /* let the last conversion chain finish */
    }
}

static void timer_init(void)
{
    TCCR1A = 0;
    TCCR1B = _BV(WGM12) | _BV(CS10); /* CTC on OCR1A, clock F_CPU */
    TIMSK1 = 0;
}

/* ---------------------------------------------------------------- main loop work */
static void handle_rx(emg_rx_t *rx)
{
    while (rx_tail != rx_head) {
        uint8_t byte = rx_buf[rx_tail];
        int r;
        rx_tail = (rx_tail + 1u) & RX_MASK;
        r = emg_rx_push(rx, byte);
        if (r == 1)
            emg_board_command(&board, &rx->frame);
        else if (r < 0)
            emg_board_rx_error(&board, r);
    }
    if (rx_lost) {
        rx_lost = 0;
        emg_board_rx_error(&board, EMG_ERR_LENGTH);
    }
}

static void count_isr_drops(void)
{
    uint16_t over, full;
    ATOMIC_BLOCK(ATOMIC_RESTORESTATE)
    {
        over = overruns;
        full = ring_full;
        overruns = ring_full = 0;
    }
    emg_board_dropped(&board, over, EMG_E_ADC_OVERRUN);
    emg_board_dropped(&board, full, EMG_E_TX_FULL);
}

/* Send one frame of consecutive sample sets when SAMPLES_PER_FRAME are ready or a gap ends a
 * shorter run. Returns 1 when it consumed sample sets. */
static uint8_t send_samples(void)
{
    uint8_t avail = (uint8_t)((ring_head - ring_tail) & RING_MASK);
    uint8_t n = 1, s, c;
    uint8_t tail = ring_tail;
    uint32_t first;
    size_t off, len;
    if (avail == 0)
        return 0;
    first = ring_index[tail];
    while (n < avail && n < SAMPLES_PER_FRAME && ring_index[(tail + n) & RING_MASK] == first + n)
        n++;
    if (n < SAMPLES_PER_FRAME && n == avail)
        return 0; /* wait for a full frame */
    if (tx_free() < EMG_OVERHEAD + EMG_SAMPLES_HEAD + 2u * N_CHANNELS * n + 2u)
        return 0; /* the UART is still busy: the ring holds the samples meanwhile */
    off = 1u + emg_begin_samples(scratch + 1, emg_board_take_seq(&board), first, N_CHANNELS, n,
                                 EMG_FMT_INT16);
    for (s = 0; s < n; s++) {
        volatile int16_t *set = ring[(tail + s) & RING_MASK];
        for (c = 0; c < N_CHANNELS; c++) {
            uint16_t v = (uint16_t)set[c];
            scratch[off++] = (uint8_t)v;
            scratch[off++] = (uint8_t)(v >> 8);
        }
    }
    ring_tail = (tail + n) & RING_MASK;
    len = emg_finish_frame(scratch + 1, off - 1u);
    len = emg_cobs_encode_inplace(scratch, len);
    tx_queue(scratch, len);
    if (status_countdown <= n) {
        status_countdown = fs_hz;
        count_isr_drops();
        emg_board_send_status(&board);
    } else {
        status_countdown -= n;
    }
    return 1;
}

int main(void)
{
    static uint8_t rx_chunk[RX_FRAME_BYTES], rx_raw[RX_FRAME_BYTES];
    static const union {
        float f;
        uint8_t b[4];
    } gain = {UV_PER_COUNT};
    emg_rx_t rx;

    uart_init();
    timer_init();
    apply_rate(DEFAULT_FS_HZ);
    emg_rx_init(&rx, rx_chunk, rx_raw, sizeof rx_chunk);

    board.info.board = BOARD_NAME;
    board.info.n_channels = N_CHANNELS;
    board.info.fs_mhz = (uint32_t)DEFAULT_FS_HZ * 1000u;
    board.info.adc_bits = 10;
    board.info.format = EMG_FMT_INT16;
    memcpy(board.info.uv_per_count, gain.b, 4);
    board.info.samples_per_frame = SAMPLES_PER_FRAME;
    board.info.firmware[0] = FW_MAJOR;
    board.info.firmware[1] = FW_MINOR;
    board.info.firmware[2] = FW_PATCH;
    board.status.battery_pct = 255; /* USB powered: unknown */
    board.scratch = scratch;
    board.set_rate = set_rate;
    board.start = start;
    board.stop = stop;
    board.send = uart_send;

    set_sleep_mode(SLEEP_MODE_IDLE);
    sei();
    emg_board_boot(&board);

    for (;;) {
        uint8_t busy;
        handle_rx(&rx);
        busy = board.streaming ? send_samples() : 0;
        if (!busy) {
            cli();
            if (rx_tail == rx_head) { /* any interrupt (tick, ADC, UART) wakes us */
                sleep_enable();
                sei(); /* the instruction after sei runs before any interrupt: no lost wake-up */
                sleep_cpu();
                sleep_disable();
            }
            sei();
        }
    }
}
