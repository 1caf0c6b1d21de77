#include <cblas.h>
// Declared by OpenBLAS; repeated so the shim does not depend on the header revision.
void openblas_set_num_threads(int num_threads);
