// The umbrella module: `import Nabla` brings every layer.
@_exported import NablaForward
@_exported import NablaNumerical
@_exported import NablaReverse
@_exported import NablaRules
@_exported import NablaSymbolic
@_exported import NablaTensor
@_exported import RealModule
