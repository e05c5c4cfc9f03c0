/*
 * emgsim - run the emgfeedback AVR firmware in simavr with its ADC fed from a waveform file
 * and its UART on a pseudo-terminal, so any serial program (emgfeedback's serial:// driver)
 * talks to the real firmware.
 *
 *   emgsim --firmware build/emg_myoware.elf --wave wave.txt [options]
 *
 * Prints "emgsim: pty /dev/pts/N" on stdout once the pty is ready. Runs until SIGINT/SIGTERM,
 * --max-seconds of wall time or --max-sim-seconds of simulated time.
 *
 * Waveform file: '#' comment lines (a "# unit=counts" or "# unit=mV" line chooses the unit,
 * default mV at the ADC pin), then one line per sample with one integer per channel. The k-th
 * conversion of channel c reads row k (looping at the end). "counts" are turned into the
 * smallest millivolt value that simavr's ADC model (mV * 1023 / Vref) maps to that count.
 *
 * Options:
 *   --mcu NAME          simavr MCU (atmega328p)         --freq HZ       clock (16000000)
 *   --vref MV           AVcc in mV (5000)               --baud-us US    host->board byte time (25)
 *   --speed X           1 = real time, 4 = 4x, 0 = as fast as possible (default 1)
 *   --link PATH         also make a symlink PATH -> the pty
 *   --corrupt-every N   XOR one byte of every N bytes the board sends (0x00 delimiters spared)
 *   --corrupt-from B    first byte offset that may be corrupted (default N/2)
 *   --corrupt-at LIST   comma-separated byte offsets to corrupt (also sparing delimiters)
 *   --tx-log FILE       write the board's clean UART output (before corruption)
 *   --tick-log FILE     one line per channel-0 conversion start: the CPU cycle
 *   --summary FILE      on exit, key=value lines: cycles, sim_seconds, tx_bytes, corrupted
 *   --max-seconds S     stop after S s of wall time   --max-sim-seconds S  ... of simulated time
 *
 * Host -> board bytes are fed at one per --baud-us of simulated time, as on a wire. Board ->
 * host bytes are buffered; when the pty is full (nobody reading) the simulation waits, so no
 * byte is ever dropped by the harness itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sim_avr.h>
#include <sim_elf.h>
#include <sim_irq.h>
#include <sim_cycle_timers.h>
#include <sim_time.h>
#include <avr_adc.h>
#include <avr_uart.h>

#define MAX_CH 8
#define TX_HIGH_WATER (64 * 1024)

typedef struct {
    int32_t *rows; /* n_rows x n_ch, in mV at the pin */
    size_t n_rows, n_ch;
    size_t next[MAX_CH];
} wave_t;

typedef struct {
    uint8_t *data;
    size_t len, cap, start; /* pending bytes are data[start..len) */
} bytes_t;

static struct {
    avr_t *avr;
    wave_t wave;
    uint32_t vref;
    uint32_t baud_us;
    int master, slave;
    bytes_t tx;      /* to the pty */
    bytes_t rx;      /* from the pty, waiting to be clocked into the UART */
    int rx_timer_on;
    uint64_t tx_count; /* bytes the board has sent */
    long corrupt_every, corrupt_from;
    long *corrupt_at;
    size_t n_corrupt_at, corrupt_next;
    int corrupt_pending;
    FILE *tx_log, *tick_log;
    long *corrupted;
    size_t n_corrupted, cap_corrupted;
    avr_irq_t *adc_in;
    avr_irq_t *uart_in;
} S;

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void die(const char *msg)
{
    fprintf(stderr, "emgsim: %s\n", msg);
    exit(2);
}

static void push(bytes_t *b, const uint8_t *p, size_t n)
{
    if (b->start > 0 && b->start == b->len)
        b->start = b->len = 0;
    if (b->len + n > b->cap) {
        if (b->start > 0) {
            memmove(b->data, b->data + b->start, b->len - b->start);
            b->len -= b->start;
            b->start = 0;
        }
        while (b->len + n > b->cap)
            b->cap = b->cap ? 2 * b->cap : 4096;
        b->data = realloc(b->data, b->cap);
        if (!b->data)
            die("out of memory");
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

/* ---------------------------------------------------------------- waveform */
static void load_wave(const char *path)
{
    FILE *fh = fopen(path, "r");
    char line[4096];
    int counts = 0;
    size_t cap = 0;
    if (!fh) {
        fprintf(stderr, "emgsim: cannot open waveform %s: %s\n", path, strerror(errno));
        exit(2);
    }
    while (fgets(line, sizeof line, fh)) {
        char *p = line, *end;
        size_t ch = 0;
        int32_t vals[MAX_CH];
        if (line[0] == '#') {
            if (strstr(line, "unit=counts"))
                counts = 1;
            continue;
        }
        while (ch < MAX_CH) {
            long v = strtol(p, &end, 10);
            if (end == p)
                break;
            vals[ch++] = (int32_t)v;
            p = end;
            while (*p == ',' || *p == ' ' || *p == '\t')
                p++;
        }
        if (ch == 0)
            continue;
        if (S.wave.n_ch == 0)
            S.wave.n_ch = ch;
        if (ch != S.wave.n_ch) {
            fprintf(stderr, "emgsim: %s line %zu has %zu values, expected %zu\n", path,
                    S.wave.n_rows + 1, ch, S.wave.n_ch);
            exit(2);
        }
        if (S.wave.n_rows == cap) {
            cap = cap ? 2 * cap : 1024;
            S.wave.rows = realloc(S.wave.rows, cap * S.wave.n_ch * sizeof(int32_t));
            if (!S.wave.rows)
                die("out of memory");
        }
        for (size_t c = 0; c < ch; c++) {
            int32_t v = vals[c];
            if (counts) { /* smallest mV with floor(mV * 1023 / vref) == v */
                if (v < 0 || v > 1023) {
                    fprintf(stderr, "emgsim: %s: count %d outside 0..1023\n", path, (int)v);
                    exit(2);
                }
                v = (int32_t)(((int64_t)v * S.vref + 1022) / 1023);
            } else if (v < 0 || (uint32_t)v > S.vref) {
                fprintf(stderr, "emgsim: %s: %d mV outside 0..%u mV\n", path, (int)v, S.vref);
                exit(2);
            }
            S.wave.rows[S.wave.n_rows * S.wave.n_ch + c] = v;
        }
        S.wave.n_rows++;
    }
    fclose(fh);
    if (S.wave.n_rows == 0)
        die("the waveform file has no samples");
}

/* A conversion starts: put the channel's next waveform value on its pin. */
static void on_adc_trigger(struct avr_irq_t *irq, uint32_t value, void *param)
{
    union {
        avr_adc_mux_t mux;
        uint32_t v;
    } e = {.v = value};
    unsigned src = e.mux.src;
    (void)irq;
    (void)param;
    if (e.mux.kind != ADC_MUX_SINGLE || src >= MAX_CH)
        return;
    if (src == 0 && S.tick_log)
        fprintf(S.tick_log, "%llu\n", (unsigned long long)S.avr->cycle);
    if (src < S.wave.n_ch) {
        size_t row = S.wave.next[src]++ % S.wave.n_rows;
        avr_raise_irq(S.adc_in + src, (uint32_t)S.wave.rows[row * S.wave.n_ch + src]);
    } else {
        avr_raise_irq(S.adc_in + src, S.vref / 2); /* an unconnected input: mid-scale */
    }
}

/* ---------------------------------------------------------------- UART */
static int should_corrupt(uint64_t offset)
{
    if (S.corrupt_every > 0 && offset >= (uint64_t)S.corrupt_from
        && (offset - (uint64_t)S.corrupt_from) % (uint64_t)S.corrupt_every == 0)
        return 1;
    while (S.corrupt_next < S.n_corrupt_at && (uint64_t)S.corrupt_at[S.corrupt_next] < offset)
        S.corrupt_next++;
    return S.corrupt_next < S.n_corrupt_at && (uint64_t)S.corrupt_at[S.corrupt_next] == offset;
}

static void on_uart_out(struct avr_irq_t *irq, uint32_t value, void *param)
{
    uint8_t byte = (uint8_t)value;
    uint64_t offset = S.tx_count++;
    (void)irq;
    (void)param;
    if (S.tx_log)
        fputc(byte, S.tx_log);
    if (should_corrupt(offset))
        S.corrupt_pending = 1;
    if (S.corrupt_pending && byte != 0x00) { /* never hit a delimiter: that would merge frames */
        uint8_t bad = byte ^ 0x5A;
        byte = bad ? bad : (uint8_t)(byte ^ 0xA5);
        S.corrupt_pending = 0;
        if (S.n_corrupted == S.cap_corrupted) {
            S.cap_corrupted = S.cap_corrupted ? 2 * S.cap_corrupted : 64;
            S.corrupted = realloc(S.corrupted, S.cap_corrupted * sizeof(long));
            if (!S.corrupted)
                die("out of memory");
        }
        S.corrupted[S.n_corrupted++] = (long)offset;
    }
    push(&S.tx, &byte, 1);
}

/* Clock one host byte into the UART per byte time, like a real line. */
static avr_cycle_count_t feed_rx(struct avr_t *avr, avr_cycle_count_t when, void *param)
{
    (void)param;
    if (S.rx.start >= S.rx.len) {
        S.rx_timer_on = 0;
        return 0;
    }
    avr_raise_irq(S.uart_in, S.rx.data[S.rx.start++]);
    return when + avr_usec_to_cycles(avr, S.baud_us);
}

/* ---------------------------------------------------------------- pty */
static void open_pty(const char *link)
{
    struct termios tio;
    const char *name;
    S.master = posix_openpt(O_RDWR | O_NOCTTY);
    if (S.master < 0 || grantpt(S.master) < 0 || unlockpt(S.master) < 0)
        die("cannot create a pseudo-terminal");
    name = ptsname(S.master);
    /* keep one slave fd open: the pty survives clients opening and closing it */
    S.slave = open(name, O_RDWR | O_NOCTTY);
    if (S.slave < 0)
        die("cannot open the pty slave");
    tcgetattr(S.slave, &tio);
    cfmakeraw(&tio);
    tcsetattr(S.slave, TCSANOW, &tio);
    fcntl(S.master, F_SETFL, fcntl(S.master, F_GETFL) | O_NONBLOCK);
    if (link) {
        unlink(link);
        if (symlink(name, link) < 0)
            perror("emgsim: symlink");
    }
    printf("emgsim: pty %s\n", name);
    fflush(stdout);
}

/* Move bytes between the pty and the buffers; returns the bytes still waiting to go out. */
static size_t service_pty(int wait_ms)
{
    struct pollfd pfd = {.fd = S.master, .events = POLLIN};
    uint8_t buf[4096];
    ssize_t n;
    if (S.tx.len > S.tx.start)
        pfd.events |= POLLOUT;
    if (poll(&pfd, 1, wait_ms) <= 0)
        return S.tx.len - S.tx.start;
    if (pfd.revents & POLLIN) {
        n = read(S.master, buf, sizeof buf);
        if (n > 0) {
            push(&S.rx, buf, (size_t)n);
            if (!S.rx_timer_on) {
                S.rx_timer_on = 1;
                avr_cycle_timer_register_usec(S.avr, S.baud_us, feed_rx, NULL);
            }
        }
    }
    if (pfd.revents & POLLOUT) {
        n = write(S.master, S.tx.data + S.tx.start, S.tx.len - S.tx.start);
        if (n > 0)
            S.tx.start += (size_t)n;
    }
    return S.tx.len - S.tx.start;
}

/* ---------------------------------------------------------------- main */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void no_sleep(avr_t *avr, avr_cycle_count_t how_long)
{
    (void)avr;
    (void)how_long; /* emgsim paces itself against the wall clock */
}

static long *parse_list(const char *text, size_t *n)
{
    long *out = NULL;
    size_t cap = 0;
    *n = 0;
    while (*text) {
        char *end;
        long v = strtol(text, &end, 10);
        if (end == text)
            die("--corrupt-at expects comma-separated byte offsets");
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            out = realloc(out, cap * sizeof(long));
        }
        out[(*n)++] = v;
        text = *end == ',' ? end + 1 : end;
    }
    return out;
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    const char *firmware = NULL, *wave = NULL, *link = NULL, *summary = NULL, *mcu = "atmega328p";
    uint32_t freq = 16000000;
    double speed = 1.0, max_s = 0, max_sim_s = 0, t0;
    elf_firmware_t fw;
    enum { O_MCU = 1, O_FREQ, O_VREF, O_BAUD_US, O_SPEED, O_LINK, O_EVERY, O_FROM, O_AT,
           O_TXLOG, O_TICKLOG, O_SUMMARY, O_MAXS, O_MAXSIM, O_FW, O_WAVE };
    static const struct option opts[] = {
        {"firmware", 1, 0, O_FW}, {"wave", 1, 0, O_WAVE}, {"mcu", 1, 0, O_MCU},
        {"freq", 1, 0, O_FREQ}, {"vref", 1, 0, O_VREF}, {"baud-us", 1, 0, O_BAUD_US},
        {"speed", 1, 0, O_SPEED}, {"link", 1, 0, O_LINK}, {"corrupt-every", 1, 0, O_EVERY},
        {"corrupt-from", 1, 0, O_FROM}, {"corrupt-at", 1, 0, O_AT}, {"tx-log", 1, 0, O_TXLOG},
        {"tick-log", 1, 0, O_TICKLOG}, {"summary", 1, 0, O_SUMMARY},
        {"max-seconds", 1, 0, O_MAXS}, {"max-sim-seconds", 1, 0, O_MAXSIM}, {0, 0, 0, 0}};
    int opt;

    S.vref = 5000;
    S.baud_us = 25;
    S.corrupt_from = -1;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case O_FW: firmware = optarg; break;
        case O_WAVE: wave = optarg; break;
        case O_MCU: mcu = optarg; break;
        case O_FREQ: freq = (uint32_t)strtoul(optarg, NULL, 10); break;
        case O_VREF: S.vref = (uint32_t)strtoul(optarg, NULL, 10); break;
        case O_BAUD_US: S.baud_us = (uint32_t)strtoul(optarg, NULL, 10); break;
        case O_SPEED: speed = atof(optarg); break;
        case O_LINK: link = optarg; break;
        case O_EVERY: S.corrupt_every = atol(optarg); break;
        case O_FROM: S.corrupt_from = atol(optarg); break;
        case O_AT: S.corrupt_at = parse_list(optarg, &S.n_corrupt_at); break;
        case O_TXLOG: S.tx_log = fopen(optarg, "wb"); if (!S.tx_log) die("cannot write --tx-log"); break;
        case O_TICKLOG: S.tick_log = fopen(optarg, "w"); if (!S.tick_log) die("cannot write --tick-log"); break;
        case O_SUMMARY: summary = optarg; break;
        case O_MAXS: max_s = atof(optarg); break;
        case O_MAXSIM: max_sim_s = atof(optarg); break;
        default: die("bad option; see the comment at the top of firmware/sim/emgsim.c");
        }
    }
    if (!firmware || !wave)
        die("usage: emgsim --firmware FILE.elf --wave FILE [options]");
    if (S.vref == 0 || S.baud_us == 0 || speed < 0 || S.corrupt_every < 0)
        die("--vref, --baud-us must be > 0; --speed, --corrupt-every >= 0");
    if (S.corrupt_from < 0)
        S.corrupt_from = S.corrupt_every / 2;
    if (S.n_corrupt_at)
        qsort(S.corrupt_at, S.n_corrupt_at, sizeof(long), cmp_long);
    load_wave(wave);

    memset(&fw, 0, sizeof fw);
    if (elf_read_firmware(firmware, &fw) != 0) {
        fprintf(stderr, "emgsim: cannot read firmware %s\n", firmware);
        return 2;
    }
    S.avr = avr_make_mcu_by_name(fw.mmcu[0] ? fw.mmcu : mcu);
    if (!S.avr) {
        fprintf(stderr, "emgsim: simavr does not know MCU %s\n", fw.mmcu[0] ? fw.mmcu : mcu);
        return 2;
    }
    avr_init(S.avr);
    S.avr->log = getenv("EMGSIM_LOG") ? atoi(getenv("EMGSIM_LOG")) : LOG_ERROR;
    avr_load_firmware(S.avr, &fw);
    /* an ELF may carry its clock (simavr's .mmcu section); else --freq (the board crystal) */
    S.avr->frequency = fw.frequency ? fw.frequency : freq;
    S.avr->vcc = S.avr->avcc = S.avr->aref = S.vref;
    S.avr->sleep = no_sleep;
    {
        uint32_t flags = 0;
        avr_ioctl(S.avr, AVR_IOCTL_UART_GET_FLAGS('0'), &flags);
        flags &= ~(uint32_t)(AVR_UART_FLAG_STDIO | AVR_UART_FLAG_POOL_SLEEP);
        avr_ioctl(S.avr, AVR_IOCTL_UART_SET_FLAGS('0'), &flags);
    }
    S.adc_in = avr_io_getirq(S.avr, AVR_IOCTL_ADC_GETIRQ, ADC_IRQ_ADC0);
    avr_irq_register_notify(avr_io_getirq(S.avr, AVR_IOCTL_ADC_GETIRQ, ADC_IRQ_OUT_TRIGGER),
                            on_adc_trigger, NULL);
    S.uart_in = avr_io_getirq(S.avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_INPUT);
    avr_irq_register_notify(avr_io_getirq(S.avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUTPUT),
                            on_uart_out, NULL);

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    open_pty(link);

    t0 = now_s();
    while (!stop_flag) {
        int state = cpu_Running;
        double sim_s, wall_s;
        /* at most 1 ms of simulated time per slice (a sleeping core jumps ahead in one step) */
        avr_cycle_count_t slice_end = S.avr->cycle + S.avr->frequency / 1000;
        while (S.avr->cycle < slice_end && state != cpu_Done && state != cpu_Crashed)
            state = avr_run(S.avr);
        if (state == cpu_Done || state == cpu_Crashed) {
            fprintf(stderr, "emgsim: the firmware %s\n", state == cpu_Done ? "stopped" : "crashed");
            break;
        }
        /* wait (do not drop) while the pty is full: the reader is behind */
        while (service_pty(0) > TX_HIGH_WATER && !stop_flag)
            service_pty(20);
        sim_s = (double)S.avr->cycle / S.avr->frequency;
        wall_s = now_s() - t0;
        if (max_sim_s > 0 && sim_s >= max_sim_s)
            break;
        if (max_s > 0 && wall_s >= max_s)
            break;
        while (speed > 0 && !stop_flag && sim_s / speed > (wall_s = now_s() - t0) + 0.002)
            service_pty((int)((sim_s / speed - wall_s) * 1000.0) + 1); /* ahead: wait, serving */
    }
    for (int i = 0; i < 50 && service_pty(10) > 0; i++) { /* flush what the board sent */
    }
    if (S.tx_log)
        fclose(S.tx_log);
    if (S.tick_log)
        fclose(S.tick_log);
    if (summary) {
        FILE *fh = fopen(summary, "w");
        if (fh) {
            fprintf(fh, "cycles=%llu\nfrequency=%u\nsim_seconds=%.6f\nwall_seconds=%.3f\n",
                    (unsigned long long)S.avr->cycle, S.avr->frequency,
                    (double)S.avr->cycle / S.avr->frequency, now_s() - t0);
            fprintf(fh, "tx_bytes=%llu\ncorrupted=", (unsigned long long)S.tx_count);
            for (size_t i = 0; i < S.n_corrupted; i++)
                fprintf(fh, i ? ",%ld" : "%ld", S.corrupted[i]);
            fprintf(fh, "\n");
            fclose(fh);
        }
    }
    if (link)
        unlink(link);
    return 0;
}
