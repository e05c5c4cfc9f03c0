/* emg_board.c - host command handling shared by the AVR and ESP32 firmware (see emg_board.h). */
#include "emg_board.h"

uint16_t emg_board_take_seq(emg_board_t *b)
{
    return b->seq++;
}

int emg_board_send_raw(emg_board_t *b, size_t raw_len)
{
    size_t n;
    if (raw_len == 0)
        return -1;
    n = emg_cobs_encode_inplace(b->scratch, raw_len);
    return b->send(b->ctx, b->scratch, n);
}

static int send_info(emg_board_t *b)
{
    return emg_board_send_raw(b, emg_build_info(b->scratch + 1, emg_board_take_seq(b), &b->info));
}

static int send_ack(emg_board_t *b, uint8_t command, uint16_t command_seq, uint8_t result)
{
    return emg_board_send_raw(
        b, emg_build_ack(b->scratch + 1, emg_board_take_seq(b), command, command_seq, result));
}

void emg_board_boot(emg_board_t *b)
{
    b->seq = 0;
    b->streaming = 0;
    send_info(b);
}

int emg_board_send_status(emg_board_t *b)
{
    return emg_board_send_raw(b, emg_build_status(b->scratch + 1, emg_board_take_seq(b), &b->status));
}

void emg_board_rx_error(emg_board_t *b, int err)
{
    if (b->status.error_count != 0xFFFFu)
        b->status.error_count++;
    (void)err; /* every kind of damage (COBS, size, CRC, version, type) is a bad command */
    b->status.error_code = EMG_E_BAD_COMMAND;
}

void emg_board_dropped(emg_board_t *b, uint32_t n_samples, uint8_t why)
{
    if (n_samples == 0)
        return;
    b->status.dropped_samples += n_samples;
    if (b->status.error_count != 0xFFFFu)
        b->status.error_count++;
    b->status.error_code = why;
}

void emg_board_command(emg_board_t *b, const emg_frame_t *f)
{
    switch (f->type) {
    case EMG_T_INFO:
        send_info(b);
        break;
    case EMG_T_START:
        if (!b->streaming) {
            b->streaming = 1;
            if (b->start)
                b->start(b->ctx);
        }
        send_ack(b, f->type, f->seq, EMG_ACK_OK);
        break;
    case EMG_T_STOP:
        if (b->streaming) {
            b->streaming = 0;
            if (b->stop)
                b->stop(b->ctx);
        }
        send_ack(b, f->type, f->seq, EMG_ACK_OK);
        break;
    case EMG_T_SET_RATE: {
        uint32_t fs = emg_command_fs_mhz(f);
        uint8_t result;
        if (b->streaming)
            result = EMG_ACK_BUSY;
        else if (b->set_rate)
            result = b->set_rate(b->ctx, fs);
        else
            result = fs == b->info.fs_mhz ? EMG_ACK_OK : EMG_ACK_BAD_ARGUMENT;
        if (result == EMG_ACK_OK)
            b->info.fs_mhz = fs;
        send_ack(b, f->type, f->seq, result);
        if (result == EMG_ACK_OK)
            send_info(b);
        break;
    }
    default: /* a well-formed frame that is not a command (a board -> host type) */
        send_ack(b, f->type, f->seq, EMG_ACK_UNKNOWN_COMMAND);
        break;
    }
}
