# Products, specs, prices, agreements and review: see issue "Product publishing".
