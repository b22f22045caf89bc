// The umbrella module: `import Nabla` brings every layer.
@_exported import NablaData
@_exported import NablaForward
@_exported import NablaNetwork
@_exported import NablaNumerical
@_exported import NablaPlot
@_exported import NablaReverse
@_exported import NablaRules
@_exported import NablaSymbolic
@_exported import NablaTensor
@_exported import RealModule
