/* The simulator's random numbers: PCG32 (O'Neill, pcg-random.org), so that
 * a seed gives the same day on every machine and C library, and the
 * distributions a day is drawn from. */
#ifndef BONOMAT_SIM_RNG_H
#define BONOMAT_SIM_RNG_H

#include <stdint.h>

struct rng {
	uint64_t state;
	uint64_t inc;
};

/* Independent streams of one seed: changing how many numbers one part of
 * the day draws leaves the other parts as they were. */
void rng_seed(struct rng *r, uint64_t seed, uint64_t stream);
uint32_t rng_u32(struct rng *r);
/* Uniform in [0, 1). */
double rng_uniform(struct rng *r);
/* Uniform in [0, n), without modulo bias; n > 0. */
uint32_t rng_below(struct rng *r, uint32_t n);
/* Standard normal (Box-Muller). */
double rng_normal(struct rng *r);
/* Log-normal with the given mean and coefficient of variation. */
double rng_lognormal(struct rng *r, double mean, double cv);

#endif
