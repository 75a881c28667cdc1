region = "eu-west-1"
db_password = "tdy9lldHtntaW8fN3j%5"
instance_type = "t3.medium"
