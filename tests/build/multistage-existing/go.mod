module example.com/stamp

go 1.19
