module github.com/taipan-go/taipan

go 1.26
