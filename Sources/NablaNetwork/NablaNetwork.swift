// Neural networks trained by backpropagation.
import NablaTensor
