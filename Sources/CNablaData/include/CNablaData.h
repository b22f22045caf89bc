#ifndef CNABLADATA_H
#define CNABLADATA_H

// The built-in digits dataset, compiled into the binary (see digits.c).

#ifdef __cplusplus
extern "C" {
#endif

/// The gzip-compressed CSV of the 1,797 8×8 digits.
const unsigned char *nabla_digits_csv_gz(void);
/// Its size in bytes.
unsigned long nabla_digits_csv_gz_size(void);

#ifdef __cplusplus
}
#endif

#endif
