#include "rng.h"

#include <math.h>

#define PCG_MULT UINT64_C(6364136223846793005)
#define SIM_2PI 6.283185307179586

void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	r->state = 0;
	r->inc = stream << 1 | 1;
	(void)rng_u32(r);
	r->state += seed;
	(void)rng_u32(r);
}

uint32_t rng_u32(struct rng *r)
{
	uint64_t old = r->state;
	uint32_t xorshifted = (uint32_t)(((old >> 18) ^ old) >> 27);
	uint32_t rot = (uint32_t)(old >> 59);

	r->state = old * PCG_MULT + r->inc;
	return xorshifted >> rot | xorshifted << ((-rot) & 31);
}

double rng_uniform(struct rng *r)
{
	/* 53 random bits, the precision of a double. */
	uint64_t hi = rng_u32(r) >> 6, lo = rng_u32(r) >> 5;

	return (double)(hi << 27 | lo) / 9007199254740992.0;
}

uint32_t rng_below(struct rng *r, uint32_t n)
{
	uint32_t threshold = -n % n, x;

	do
		x = rng_u32(r);
	while (x < threshold);
	return x % n;
}

double rng_normal(struct rng *r)
{
	/* 1 - u is in (0, 1]: the logarithm stays finite. */
	double u = 1.0 - rng_uniform(r), v = rng_uniform(r);

	return sqrt(-2.0 * log(u)) * cos(SIM_2PI * v);
}

double rng_lognormal(struct rng *r, double mean, double cv)
{
	double sigma2 = log(1.0 + cv * cv);
	double mu = log(mean) - sigma2 / 2.0;

	return exp(mu + sqrt(sigma2) * rng_normal(r));
}
