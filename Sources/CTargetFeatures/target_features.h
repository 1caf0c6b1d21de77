// What the instruction set a build targets offers, as 0/1 constants.
//
// Swift has no conditional compilation on CPU features, but Swift's Clang importer
// compiles this header for the same target as the Swift code (`-Xswiftc -target-cpu ...`),
// so the predefined macros below tell Swift, at compile time, what it may use.
#ifndef HIGHER_TARGET_FEATURES_H
#define HIGHER_TARGET_FEATURES_H

// Fused multiply-add in hardware (x86-64 from Haswell on, every 64-bit Arm core).
#if defined(__FMA__) || defined(__ARM_FEATURE_FMA)
#define HIGHER_TARGET_HAS_FMA 1
#else
#define HIGHER_TARGET_HAS_FMA 0
#endif

// 512-bit vector registers (AVX-512 Foundation).
#if defined(__AVX512F__)
#define HIGHER_TARGET_HAS_AVX512F 1
#else
#define HIGHER_TARGET_HAS_AVX512F 0
#endif

#endif
