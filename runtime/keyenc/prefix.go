package keyenc

// PrefixEnd returns the smallest byte string that is greater than every byte
// string starting with prefix, the exclusive upper bound of a prefix scan:
// the keys with a given prefix are exactly [prefix, PrefixEnd(prefix)).
// The prefix of a key tuple's leading components is simply their encoding.
//
// It returns nil when no such bound exists (prefix is empty or all 0xFF),
// meaning "scan to the end". The result is a new slice; prefix is not
// modified.
func PrefixEnd(prefix []byte) []byte {
	for i := len(prefix) - 1; i >= 0; i-- {
		if prefix[i] != 0xFF {
			end := make([]byte, i+1)
			copy(end, prefix)
			end[i]++
			return end
		}
	}
	return nil
}
