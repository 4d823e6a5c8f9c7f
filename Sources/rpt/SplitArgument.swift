import ArgumentParser
import TaskPack

// `--split` is typed: ArgumentParser refuses anything but the three names and lists them in
// --help and in its error, instead of each command checking a string.
extension Split: ExpressibleByArgument {}
