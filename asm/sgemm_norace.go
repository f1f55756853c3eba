//go:build !race

package asm

const sgemmRace = false
