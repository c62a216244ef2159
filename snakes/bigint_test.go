package snakes

import "math/big"

func bigFromString(s string) *big.Int {
	b, _ := new(big.Int).SetString(s, 10)
	return b
}
