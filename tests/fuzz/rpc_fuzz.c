/* Fuzz harness of the RPC server (runtime_c/src/aot_framing.c + aot_rpc_server.c): the bytes of
 * one input are the serial line, fed to aot_rpc_serve() through a HAL that reads them, answers
 * the byte timeout (-1) when they run out inside a frame, and ends the input when the server
 * waits for a next frame. The model is tests/rpc/fixtures/mock_model.c (its crash/hang trigger
 * bytes neutralised). Built with -fsanitize=address,undefined -fno-sanitize-recover=all.
 *
 * -DAOT_LIBFUZZER: clang -fsanitize=fuzzer,address,undefined (libFuzzer's main).
 * Otherwise a plain random driver:  rpc_fuzz RUNS SEED CORPUS_FILE...
 *   runs every corpus file as is, then RUNS mutants of them (bit flips, byte sets, truncation,
 *   insertions, splices of two files; half with the first frame's CRC recomputed, so mutated
 *   requests reach the command handlers instead of the CRC check). */
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aot_hal.h"
#include "aot_model.h"
#include "aot_rpc.h"

extern const aot_model_t aot_model;

static const uint8_t *line;
static size_t line_size, line_pos;
static jmp_buf input_done;
static uint32_t clock_ns;
static aot_model_t fuzz_model;
static unsigned long reply_bytes;

void aot_hal_init(void)
{
}

void aot_hal_putc(uint8_t byte)
{
    (void)byte;
    reply_bytes++;
}

int aot_hal_getc(int32_t timeout_ms)
{
    if (line_pos < line_size) {
        return line[line_pos++];
    }
    if (timeout_ms >= 0) {
        return -1; /* silence inside a frame: the byte timeout */
    }
    longjmp(input_done, 1); /* idle between frames with nothing left: the input is done */
}

uint32_t aot_hal_cycles(void)
{
    clock_ns += 1000u;
    return clock_ns;
}

const char *aot_hal_counter_unit(void)
{
    return "ns";
}

const char *aot_hal_board_name(void)
{
    return "fuzz";
}

/* mock_model.c exits on a first input byte of 101 and never returns on 102 (for the host
 * tests of a dying or hung device): not what a fuzzer should find. */
static int fuzz_run(uint8_t *arena)
{
    if (arena[0] == 101u || arena[0] == 102u) {
        arena[0] = 0u;
    }
    return aot_model.run(arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const aot_model_t *models[1];
    fuzz_model = aot_model;
    fuzz_model.run = fuzz_run;
    models[0] = &fuzz_model;
    line = data;
    line_size = size;
    line_pos = 0;
    if (setjmp(input_done) == 0) {
        aot_rpc_serve(models, 1u);
    }
    return 0;
}

#ifndef AOT_LIBFUZZER
#define MAX_INPUT 4096u

static uint64_t rng_state;

static uint32_t rnd(uint32_t n) /* uniform-ish in [0, n), n > 0 (xorshift64*) */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ull) >> 32) % n;
}

static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = malloc(MAX_INPUT);
    if (f == NULL || data == NULL) {
        fprintf(stderr, "rpc_fuzz: cannot read %s\n", path);
        exit(2);
    }
    *size = fread(data, 1, MAX_INPUT, f);
    fclose(f);
    return data;
}

/* Recompute the CRC of the frame at the start of buf (if its header is whole). */
static void fix_crc(uint8_t *buf, size_t size)
{
    size_t len;
    uint16_t crc;
    if (size < AOT_RPC_HEADER_BYTES || buf[0] != AOT_RPC_MAGIC0 || buf[1] != AOT_RPC_MAGIC1) {
        return;
    }
    len = (size_t)buf[7] | ((size_t)buf[8] << 8);
    if (AOT_RPC_HEADER_BYTES + len + AOT_RPC_CRC_BYTES > size) {
        return;
    }
    crc = aot_crc16(AOT_CRC16_INIT, buf + 2, (uint32_t)(AOT_RPC_HEADER_BYTES - 2u + len));
    buf[AOT_RPC_HEADER_BYTES + len] = (uint8_t)(crc & 0xFFu); /* little-endian, as aot_framing.c */
    buf[AOT_RPC_HEADER_BYTES + len + 1u] = (uint8_t)(crc >> 8);
}

static size_t mutate(uint8_t *buf, size_t size, const uint8_t *other, size_t other_size)
{
    static const uint8_t special[] = {0x00, 0x01, 0x7F, 0x80, 0xFF, 0xA5, 0x5A, 0x02};
    uint32_t k, n = 1u + rnd(4u);
    for (k = 0; k < n; k++) {
        uint32_t how = rnd(6u), i;
        if (size == 0u) {
            how = 4u;
        }
        i = size ? rnd((uint32_t)size) : 0u;
        if (how == 0u) {
            buf[i] ^= (uint8_t)(1u << rnd(8u));
        } else if (how == 1u) {
            buf[i] = special[rnd(sizeof special)];
        } else if (how == 2u) {
            buf[i] = (uint8_t)rnd(256u);
        } else if (how == 3u) {
            size = i;
        } else if (how == 4u && size < MAX_INPUT) {
            memmove(buf + i + 1, buf + i, size - i);
            buf[i] = (uint8_t)rnd(256u);
            size++;
        } else if (how == 5u && other_size > 0u) {
            size_t take = other_size < MAX_INPUT - i ? other_size : MAX_INPUT - i;
            memcpy(buf + i, other, take);
            size = i + take;
        }
    }
    if (rnd(2u)) {
        fix_crc(buf, size);
    }
    return size;
}

int main(int argc, char **argv)
{
    uint8_t **corpus;
    size_t *sizes, n, i;
    uint8_t *buf = malloc(MAX_INPUT);
    unsigned long runs, r;
    if (argc < 4 || buf == NULL) {
        fprintf(stderr, "usage: rpc_fuzz RUNS SEED CORPUS_FILE...\n");
        return 2;
    }
    runs = strtoul(argv[1], NULL, 10);
    rng_state = strtoull(argv[2], NULL, 10) * 0x9E3779B97F4A7C15ull + 1u;
    n = (size_t)(argc - 3);
    corpus = malloc(n * sizeof *corpus);
    sizes = malloc(n * sizeof *sizes);
    if (corpus == NULL || sizes == NULL) {
        return 2;
    }
    for (i = 0; i < n; i++) {
        corpus[i] = read_file(argv[3 + i], &sizes[i]);
        LLVMFuzzerTestOneInput(corpus[i], sizes[i]);
    }
    for (r = 0; r < runs; r++) {
        size_t a = rnd((uint32_t)n), b = rnd((uint32_t)n), size = sizes[a];
        memcpy(buf, corpus[a], size);
        size = mutate(buf, size, corpus[b], sizes[b]);
        LLVMFuzzerTestOneInput(buf, size);
    }
    printf("rpc_fuzz: %zu corpus files, %lu mutants, %lu reply bytes: no sanitizer report\n", n, runs, reply_bytes);
    for (i = 0; i < n; i++) {
        free(corpus[i]);
    }
    free(corpus);
    free(sizes);
    free(buf);
    return 0;
}
#endif
