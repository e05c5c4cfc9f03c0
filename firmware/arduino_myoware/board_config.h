/*
 * Build-time configuration of the ATmega328P firmware. Every value can be overridden from the
 * make command line, e.g. `make N_CHANNELS=6` for an Uno (A6/A7 exist only on the Nano).
 */
#ifndef BOARD_CONFIG_H
#define BOARD_CONFIG_H

#ifndef F_CPU
#define F_CPU 16000000UL /* Uno and Nano crystal */
#endif
#ifndef N_CHANNELS
#define N_CHANNELS 8 /* Nano: ADC0..ADC7 (A0..A7). Uno: 6 at most (A0..A5). */
#endif
#ifndef BAUD
#define BAUD 500000UL /* exact at 16 MHz with U2X (UBRR 3); see README for the budget */
#endif
#define UART_UBRR ((F_CPU / (8UL * BAUD)) - 1UL)

#ifndef DEFAULT_FS_HZ
#define DEFAULT_FS_HZ 1000u /* per channel */
#endif
#define MIN_FS_HZ 250u  /* below this F_CPU / fs overflows the 16-bit Timer1 compare register */
#ifndef MAX_FS_HZ
#define MAX_FS_HZ 2000u /* the 8-channel conversion chain and the UART budget both fit 2 kHz */
#endif
#define SAMPLES_PER_FRAME 8u

/*
 * µV at the electrodes per ADC count, sent in DEVICE_INFO. MyoWare RAW output: gain 201,
 * centred on Vs/2; 10-bit ADC on a 5 V AVcc reference: 5e6 µV / 1024 / 201 = 24.2926 µV.
 * Keep equal to calibration/boards/arduino_myoware.toml (a test checks).
 */
#ifndef UV_PER_COUNT
#define UV_PER_COUNT 24.2926f
#endif
#define ADC_MIDSCALE 512 /* counts of Vs/2: subtracted so 0 count = 0 µV */

#define BOARD_NAME "arduino_myoware"
#define FW_MAJOR 1
#define FW_MINOR 0
#define FW_PATCH 0

/* Buffers (powers of two). RAM: ring 32 x (8 x 2 + 4) = 640 B, TX 256 B, RX 32 B. */
#define RING_SETS 32u   /* sample sets: 32 ms at 1 kHz of slack for the main loop */
#define TX_BYTES 256u   /* wire bytes waiting for the UART: > one encoded samples frame */
#define RX_BYTES 32u
#define RX_FRAME_BYTES 16u /* the longest host command (SET_RATE) is 12 bytes on the wire */
#define ISR_CYCLES 80u     /* budget per ADC interrupt when checking a rate fits */

#endif /* BOARD_CONFIG_H */
