//go:build !unix

package bundle

// openNoBlock: no O_NONBLOCK here; the Stat check before opening refuses FIFOs.
const openNoBlock = 0
