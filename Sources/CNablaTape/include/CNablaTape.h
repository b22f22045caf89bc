#ifndef CNABLATAPE_H
#define CNABLATAPE_H

// The backward sweep of NablaReverse's tape for Float and Double, with
// fused multiply-adds where the CPU has them (chosen at run time; Swift code
// is compiled for baseline x86-64, where `addingProduct` is a libm call).
//
// `nodes` holds the tape's nodes, laid out as NablaReverse's
// `TapeNode<Float>` / `TapeNode<Double>`: two 32-bit parent indices, then
// the two partials (16 and 24 bytes a node). `adjoints` holds one adjoint per
// node, seeded by the caller. Nodes `lowest...top` are swept from the top
// down, each adding partial·(its adjoint) to its parents' adjoints:
//
//   keepsIntermediates != 0: every node's adjoint stays in its slot;
//   otherwise only the adjoints of nodes below `lowest` (the inputs) are
//       final, and the sweep carries the adjoint of the node being swept in
//       a register (see Tape.swift for why and for the branch structure).
//
// Both sweeps update each slot in the same order (later nodes first; a
// node's first parent, then its second), so they agree bit for bit.

#ifdef __cplusplus
extern "C" {
#endif

void nabla_tape_sweep_f32(const void *nodes, float *adjoints, long top, long lowest, int keepsIntermediates);
void nabla_tape_sweep_f64(const void *nodes, double *adjoints, long top, long lowest, int keepsIntermediates);

/// Whether the sweeps above use fused multiply-adds (one rounding per
/// partial·adjoint + adjoint) on this CPU: 1, or 0 for a product and a sum,
/// each rounded, as the generic Swift sweep computes them.
int nabla_tape_sweep_fuses(void);

#ifdef __cplusplus
}
#endif

#endif
