// Datasets and file formats: see the files in this folder.
import NablaTensor
